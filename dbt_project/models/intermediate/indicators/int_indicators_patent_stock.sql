-- PAT-01, PAT-02, PAT-04 at every reporting D: invention patents in force on D whose first
-- owner on D is a party of the jurisdiction, attributed to that owner's region (the counts_in_*
-- rules of macros/indicator_stock_rules.sql). Patents are first counted per (D, region, chain,
-- party type, criteria) so the breakdown fan-out works on small groups.
-- PAT-03 is derived from PAT-02 in int_indicator_values_derived.
{%- set counted_columns = [
    ('PAT-01', 'in_force_count'),
    ('PAT-02', 'high_value_count'),
    ('PAT-04', 'industrialised_count'),
] %}
{%- set criteria = high_value_criterion_codes() %}
{#- A province's own row judges PAT-04's counterparty against the province, every other row
    against its city: the province row is summarised from its own measure set. -#}
{%- set measure_sets = [('measures', counted_columns, criteria)] %}
{%- if 2 in counterparty_scope_levels() %}
    {%- do measure_sets.append(
        ('province_measures', [('PAT-04', 'industrialised_in_jurisdiction_count')], [])) %}
{%- endif %}
with

states as (

    select * from {{ ref('int_patent_states_at_period_ends') }}
    where counts_in_pat_01

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
        {{ count_flagged('counts_in_pat_01') }} as in_force_count,
        {{ count_flagged('counts_in_pat_02') }} as high_value_count,
        -- PAT-04's counterparty: of the owner's city (city and district rows), of J (a
        -- province's own row)
        {{ count_flagged('counts_in_pat_04') }} as industrialised_count,
        {{ count_flagged('counts_in_pat_04_province') }} as industrialised_in_jurisdiction_count
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

{%- for set_name, set_columns, set_criteria in measure_sets %}

{{ set_name }} as (

    {%- for indicator_id, column in set_columns %}

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
    {%- if not loop.last or set_criteria %}

    union all
    {%- endif %}
    {%- endfor %}

    {%- for criterion in set_criteria %}

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
{%- endfor %}

final as (

    select * from ({{ summarise_measures('measures', 'at_end') }}) as summarised
    where summarised.indicator_id <> 'PAT-04'
        or {{ counterparty_scope_level('summarised.region_code') }} = 4
    {%- if 2 in counterparty_scope_levels() %}

    union all

    select * from ({{ summarise_measures('province_measures', 'at_end') }}) as summarised
    where {{ counterparty_scope_level('summarised.region_code') }} = 2
    {%- endif %}

)

select * from final
