{#- The column holds only codes of an enumeration of the source contract, as the enumerations seed
    lists them (party types: the party_types seed), so the value sets live in one place. -#}
{% test in_enumeration(model, column_name, enumeration) %}

with

codes as (

    {%- if enumeration == 'party_type' %}
    select party_types.party_type as code from {{ ref('party_types') }} as party_types
    {%- else %}
    select enumerations.code from {{ ref('enumerations') }} as enumerations
    where enumerations.enumeration = '{{ enumeration }}'
    {%- endif %}

),

final as (

    select model_rows.{{ column_name }} as unexpected_value
    from {{ model }} as model_rows
    where model_rows.{{ column_name }} is not null
        and model_rows.{{ column_name }} not in (select codes.code from codes)

)

select * from final

{% endtest %}
