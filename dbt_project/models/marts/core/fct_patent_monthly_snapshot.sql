-- Patents in force at each month end (as_of for the month not yet over) with their first owner
-- on that day, region, chain and the high-value criteria: the grain BI slices stocks by.
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

final as (

    select
        {{ surrogate_key(['states.application_no', 'month_ends.snapshot_date']) }}
            as patent_snapshot_key,
        {{ date_key('month_ends.snapshot_date') }} as snapshot_date_key,
        month_ends.snapshot_date,
        month_ends.month_start,
        coalesce(patents.patent_key, {{ unknown_member_key() }}) as patent_key,
        states.application_no,
        states.patent_type,
        states.first_owner_name,
        states.first_owner_uscc,
        states.first_owner_party_type,
        states.first_owner_region_code,
        {{ region_key('states.first_owner_region_code') }} as owner_region_key,
        {{ surrogate_key(['states.industry_chain']) }} as industry_chain_key,
        states.industry_chain,
        {{ dimension_key(['states.sei_code']) }} as sei_key,
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
        states.has_inventory_return
    from states
    inner join month_ends
        on month_ends.snapshot_date = states.as_of_date
    left join patents
        on patents.application_no = states.application_no

)

select * from final
