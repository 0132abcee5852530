-- Patents in force at each month end (as_of for the month not yet over) with their first owner
-- on that day, region, chain and the high-value criteria: the grain BI slices stocks by. The
-- counts_in_* columns say which stock indicator the patent counts in on that day (the rules of
-- macros/indicator_stock_rules.sql); fct_indicator_stock_contributions lists them per published row.
-- Grain (patent_key, snapshot_date_key); keys of the few distinct regions, chains and SEIs are
-- computed once and joined, not hashed per row (millions of rows at Jinan scale).
with

states as (

    select * from {{ ref('int_patent_states_at_period_ends') }}

),

month_ends as (

    select
        period_start as month_start,
        period_end as snapshot_date
    from {{ ref('int_periods_generated') }}
    where period_type = 'month'

),

patents as (

    select patent_key, application_no from {{ ref('dim_patent') }}

),

owner_regions as (

    select
        first_owner_region_code,
        {{ region_key('first_owner_region_code') }} as owner_region_key
    from (select distinct first_owner_region_code from states) as distinct_regions

),

chains_and_industries as (

    select
        industry_chain,
        sei_code,
        {{ surrogate_key(['industry_chain']) }} as industry_chain_key,
        {{ dimension_key(['sei_code']) }} as sei_key
    from (select distinct industry_chain, sei_code from states) as distinct_pairs

),

final as (

    select
        {{ date_key('month_ends.snapshot_date') }} as snapshot_date_key,
        month_ends.snapshot_date,
        month_ends.month_start,
        coalesce(patents.patent_key, {{ unknown_member_key() }}) as patent_key,
        states.application_no,
        states.first_owner_uscc,
        states.first_owner_party_type,
        states.first_owner_region_code,
        coalesce(owner_regions.owner_region_key, {{ unknown_member_key() }}) as owner_region_key,
        chains_and_industries.industry_chain_key,
        states.industry_chain,
        chains_and_industries.sei_key,
        states.first_owner_is_jinan,
        states.first_owner_is_jinan_univ_inst,
        states.meets_sei_criterion,
        states.meets_family_criterion,
        states.meets_age_criterion,
        states.meets_pledge_criterion,
        states.meets_award_criterion,
        states.is_high_value,
        states.has_conversion,
        states.has_jinan_conversion,
        states.is_under_open_licence,
        states.has_inventory_return,
        states.first_applicant_uscc,
        states.first_applicant_region_code,
        states.latest_return_entered_date,
        {%- for rule in stock_indicator_rules() %}
        states.{{ rule.flag }}{{ ',' if not loop.last }}
        {%- endfor %}
    from states
    inner join month_ends
        on month_ends.snapshot_date = states.as_of_date
    left join patents
        on patents.application_no = states.application_no
    left join owner_regions
        on owner_regions.first_owner_region_code = states.first_owner_region_code
    inner join chains_and_industries
        on chains_and_industries.industry_chain = states.industry_chain
        and chains_and_industries.sei_code is not distinct from states.sei_code

)

select * from final
