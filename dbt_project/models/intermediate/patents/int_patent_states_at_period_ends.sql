-- Every patent in force at every reporting D (each period end, and as_of for the unfinished
-- periods) with its first owner on D and every D-dependent fact the stock indicators need.
-- Range joins on intervals keep this at (patents in force x period ends), never a daily grid.
-- The counts_in_* columns say which stock indicator the patent counts in on D
-- (macros/indicator_stock_rules.sql).
with

period_ends as (

    select distinct period_end as as_of_date
    from {{ ref('int_periods_generated') }}

),

in_force_intervals as (

    select * from {{ ref('int_patent_in_force_intervals') }}

),

owners as (

    select * from {{ ref('int_patent_owners_historized') }}

),

patents as (

    select * from {{ ref('int_patents_enriched') }}

),

conversions as (

    select * from {{ ref('int_patent_conversions_summarised') }}

),

city_conversions as (

    select * from {{ ref('int_patent_conversions_by_city') }}

),

pledge_loans as (

    select * from {{ ref('int_patent_pledge_loans_accumulated') }}

),

open_licence_events as (

    select
        application_no,
        event_code,
        event_date
    from {{ ref('int_legal_events_deduplicated') }}
    where event_code in ('OL01', 'OL02')
        and not is_revoked

),

inventory_returns as (

    select * from {{ ref('int_inventory_returns_deduplicated') }}

),

in_force as (

    select
        in_force_intervals.application_no,
        period_ends.as_of_date
    from in_force_intervals
    inner join period_ends
        on in_force_intervals.in_force_from <= period_ends.as_of_date
        and (
            in_force_intervals.in_force_to is null
            or period_ends.as_of_date < in_force_intervals.in_force_to
        )

),

open_licence_state as (

    select
        open_licence_events.application_no,
        period_ends.as_of_date,
        max(case when open_licence_events.event_code = 'OL01' then event_date end)
            as latest_declared_on,
        max(case when open_licence_events.event_code = 'OL02' then event_date end)
            as latest_withdrawn_on
    from open_licence_events
    inner join period_ends
        on open_licence_events.event_date <= period_ends.as_of_date
    group by open_licence_events.application_no, period_ends.as_of_date

),

latest_returns as (

    select
        inventory_returns.application_no,
        period_ends.as_of_date,
        inventory_returns.entered_date,
        inventory_returns.is_industrialized,
        row_number() over (
            partition by inventory_returns.application_no, period_ends.as_of_date
            order by inventory_returns.entered_date desc, inventory_returns.batch_row_number desc
        ) as recency_rank
    from inventory_returns
    inner join period_ends
        on inventory_returns.entered_date <= period_ends.as_of_date

),

joined as (

    select
        in_force.as_of_date,
        in_force.application_no,
        patents.patent_type,
        coalesce(patents.is_invention, false) as is_invention,
        coalesce(patents.industry_chain, 'other') as industry_chain,
        patents.sei_code,
        owners.first_owner_uscc,
        owners.first_owner_party_type,
        owners.first_owner_region_code,
        patents.first_applicant_uscc,
        patents.first_applicant_party_type,
        patents.first_applicant_region_code,
        coalesce({{ is_jurisdiction_region('owners.first_owner_region_code') }}, false)
            as first_owner_is_jinan,
        coalesce(
            {{ is_jurisdiction_region('owners.first_owner_region_code') }}
            and owners.first_owner_party_type in {{ univ_inst_party_types() }},
            false
        ) as first_owner_is_jinan_univ_inst,
        coalesce(
            {{ is_jurisdiction_region('patents.first_applicant_region_code') }}
            and patents.first_applicant_party_type in {{ univ_inst_party_types() }},
            false
        ) as first_applicant_is_jinan_univ_inst,
        coalesce(patents.meets_sei_criterion, false) as meets_sei_criterion,
        coalesce(patents.meets_family_criterion, false) as meets_family_criterion,
        coalesce(in_force.as_of_date > patents.age_criterion_anniversary, false)
            as meets_age_criterion,
        coalesce(pledge_loans.pledge_threshold_reached_on <= in_force.as_of_date, false)
            as meets_pledge_criterion,
        coalesce(patents.meets_award_criterion, false) as meets_award_criterion,
        coalesce(conversions.first_converted_on <= in_force.as_of_date, false)
            as has_conversion,
        coalesce(conversions.first_jinan_converted_on <= in_force.as_of_date, false)
            as has_jinan_conversion,
        coalesce(city_conversions.first_converted_on <= in_force.as_of_date, false)
            as has_city_conversion,
        coalesce(patents.has_fiscal_funding, false) as has_fiscal_funding,
        coalesce(
            patents.first_granted_on
            <= {{ add_years('in_force.as_of_date', -1 * var('unexploited_after_years')) }},
            false
        ) as granted_before_unexploited_window,
        coalesce(
            open_licence_state.latest_declared_on is not null
            and (
                open_licence_state.latest_withdrawn_on is null
                or open_licence_state.latest_withdrawn_on <= open_licence_state.latest_declared_on
            ),
            false
        ) as is_under_open_licence,
        latest_returns.entered_date is not null as has_inventory_return,
        latest_returns.entered_date as latest_return_entered_date,
        coalesce(latest_returns.is_industrialized, false) as latest_return_industrialized
    from in_force
    left join patents
        on patents.application_no = in_force.application_no
    left join owners
        on owners.application_no = in_force.application_no
        and owners.valid_from <= in_force.as_of_date
        and (owners.valid_to is null or in_force.as_of_date < owners.valid_to)
    left join conversions
        on conversions.application_no = in_force.application_no
    left join city_conversions
        on city_conversions.application_no = in_force.application_no
        and city_conversions.city_code = {{ counterparty_scope('owners.first_owner_region_code') }}
    left join pledge_loans
        on pledge_loans.application_no = in_force.application_no
    left join open_licence_state
        on open_licence_state.application_no = in_force.application_no
        and open_licence_state.as_of_date = in_force.as_of_date
    left join latest_returns
        on latest_returns.application_no = in_force.application_no
        and latest_returns.as_of_date = in_force.as_of_date
        and latest_returns.recency_rank = 1

),

valued as (

    select
        joined.*,
        {{ meets_high_value_criteria() }} as is_high_value
    from joined

),

final as (

    select
        valued.*,
        {%- for rule in stock_indicator_rules() %}
        coalesce({{ rule.when }}, false) as {{ rule.flag }}{{ ',' if not loop.last }}
        {%- endfor %}
    from valued

)

select * from final
