{#- Every published row equals the sum of the records listed for it: for a count or sum, value =
    sum(amount) of role `value`; for a ratio (rates, PAT-03, CON-02) numerator and denominator =
    the sums of their roles (a missing side counts 0, a null published side too). Contributions
    that no published row carries fail as well. `contributions`: the relations listing them
    (fct_indicator_contributions, fct_indicator_stock_contributions); `tolerance` is relative
    (greater of 1 and the published figure), for the order floating-point sums run in. -#}
{% test equals_sum_of_contributions(model, contributions, tolerance=0.000001) %}

with

published as (

    select
        indicator_id,
        period_type,
        period_start,
        region_code,
        breakdown,
        value,
        numerator,
        denominator
    from {{ model }}

),

catalogue as (

    select
        indicator_id,
        value_method in {{ ratio_value_methods() }} as is_ratio
    from {{ ref('indicator_catalogue') }}

),

listed as (

    {%- for relation in contributions %}

    select indicator_id, period_type, period_start, region_code, breakdown, role, amount
    from {{ relation }}
    {%- if not loop.last %}

    union all
    {%- endif %}
    {%- endfor %}

),

summed as (

    select
        indicator_id,
        period_type,
        period_start,
        region_code,
        breakdown,
        sum(case when role = 'value' then amount end) as value_sum,
        sum(case when role = 'numerator' then amount end) as numerator_sum,
        sum(case when role = 'denominator' then amount end) as denominator_sum
    from listed
    group by indicator_id, period_type, period_start, region_code, breakdown

),

compared as (

    select
        coalesce(published.indicator_id, summed.indicator_id) as indicator_id,
        coalesce(published.period_type, summed.period_type) as period_type,
        coalesce(published.period_start, summed.period_start) as period_start,
        coalesce(published.region_code, summed.region_code) as region_code,
        coalesce(published.breakdown, summed.breakdown) as breakdown,
        published.value,
        published.numerator,
        published.denominator,
        summed.value_sum,
        summed.numerator_sum,
        summed.denominator_sum,
        case
            when published.indicator_id is null then 'records listed for no published row'
            when catalogue.is_ratio and summed.value_sum is not null
                then 'records listed under value for a ratio'
            when not catalogue.is_ratio
                and (summed.numerator_sum is not null or summed.denominator_sum is not null)
                then 'records listed under numerator or denominator for a count or sum'
            when catalogue.is_ratio
                and abs(coalesce(published.numerator, 0) - coalesce(summed.numerator_sum, 0))
                    > {{ tolerance }} * greatest(1, abs(coalesce(published.numerator, 0)))
                then 'numerator is not the sum of its records'
            when catalogue.is_ratio
                and abs(coalesce(published.denominator, 0) - coalesce(summed.denominator_sum, 0))
                    > {{ tolerance }} * greatest(1, abs(coalesce(published.denominator, 0)))
                then 'denominator is not the sum of its records'
            when not catalogue.is_ratio
                and abs(coalesce(published.value, 0) - coalesce(summed.value_sum, 0))
                    > {{ tolerance }} * greatest(1, abs(coalesce(published.value, 0)))
                then 'value is not the sum of its records'
        end as mismatch
    from published
    full outer join summed
        on summed.indicator_id = published.indicator_id
        and summed.period_type = published.period_type
        and summed.period_start = published.period_start
        and summed.region_code = published.region_code
        and summed.breakdown = published.breakdown
    left join catalogue
        on catalogue.indicator_id = coalesce(published.indicator_id, summed.indicator_id)

),

final as (

    select * from compared
    where mismatch is not null

)

select * from final

{% endtest %}
