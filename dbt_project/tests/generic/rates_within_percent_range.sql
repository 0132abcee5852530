{#- Percentage rates lie within 0-100 and follow the zero-denominator rule: a null value only
    with numerator 0 and denominator 0. -#}
{% test rates_within_percent_range(model) %}

with

rates as (

    select indicator_id from {{ ref('indicator_catalogue') }}
    where value_method = 'percent'

)

select model_rows.*
from {{ model }} as model_rows
inner join rates
    on rates.indicator_id = model_rows.indicator_id
where model_rows.value < 0
    or model_rows.value > 100
    or model_rows.numerator > model_rows.denominator
    or (model_rows.value is null and (model_rows.numerator <> 0 or model_rows.denominator <> 0))
    or (model_rows.value is not null and model_rows.denominator = 0)

{% endtest %}
