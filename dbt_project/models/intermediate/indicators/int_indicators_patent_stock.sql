-- PAT-01, PAT-02, PAT-04 at every reporting D: invention patents in force on D whose first
-- owner on D is a Jinan party, attributed to that owner's region. Patents are first counted per
-- (D, region, chain, party type, criteria) so the breakdown fan-out works on small groups.
-- PAT-03 is derived from PAT-02 in int_indicator_values_derived.
{%- set counted_columns = [
    ('PAT-01', 'in_force_count'),
    ('PAT-02', 'high_value_count'),
    ('PAT-04', 'industrialised_count'),
] %}
{%- set criteria = ['sei', 'family', 'age', 'pledge', 'award'] %}
with

states as (

    select * from {{ ref('int_patent_states_at_period_ends') }}
    where is_invention
        and first_owner_is_jinan

),

grouped as (

    select
        as_of_date,
        first_owner_region_code as region_code,
        industry_chain,
        first_owner_party_type as party_type,
        meets_sei_criterion,
        meets_family_criterion,
        meets_age_criterion,
        meets_pledge_criterion,
        meets_award_criterion,
        count(*) as in_force_count,
        sum(case when is_high_value then 1 else 0 end) as high_value_count,
        sum(case when is_high_value and has_jinan_conversion then 1 else 0 end)
            as industrialised_count
    from states
    group by
        as_of_date,
        first_owner_region_code,
        industry_chain,
        first_owner_party_type,
        meets_sei_criterion,
        meets_family_criterion,
        meets_age_criterion,
        meets_pledge_criterion,
        meets_award_criterion

),

measures as (

    {%- for indicator_id, column in counted_columns %}

    select
        {{ measure_columns(indicator_id, 'as_of_date', 'region_code', amount=column) }}
    from grouped

    union all

    select
        {{ measure_columns(indicator_id, 'as_of_date', 'region_code',
            breakdown="'industry_chain=' || industry_chain", amount=column) }}
    from grouped

    union all

    select
        {{ measure_columns(indicator_id, 'as_of_date', 'region_code',
            breakdown="'party_type=' || party_type", amount=column) }}
    from grouped
    where party_type is not null

    union all
    {%- endfor %}

    {%- for criterion in criteria %}

    select
        {{ measure_columns('PAT-02', 'as_of_date', 'region_code',
            breakdown="'criterion=" ~ criterion ~ "'",
            amount='case when meets_' ~ criterion ~ '_criterion then high_value_count else 0 end') }}
    from grouped
    {%- if not loop.last %}

    union all
    {%- endif %}
    {%- endfor %}

),

final as (

    {{ summarise_measures('measures', 'at_end') }}

)

select * from final
