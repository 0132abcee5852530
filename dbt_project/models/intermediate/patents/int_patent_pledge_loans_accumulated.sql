-- The date from which the loans of a patent's not-cancelled pledges add up to the high-value
-- threshold (each pledge's whole loan counts for every patent it lists). Cumulative sums only
-- grow with D, so the crossing date answers "pledge criterion met on D" for every D.
with

pledges as (

    select * from {{ ref('int_pledges_deduplicated') }}
    where pledge_status not in {{ enumeration_codes('pledge_status', 'void') }}
        and registration_date is not null

),

pledged_patents as (

    select distinct
        trim(listed.application_no) as application_no,
        listed.pledge_id,
        listed.registration_date,
        listed.loan_amount_wan
    from (
        select
            pledges.*,
            {{ unnest_list('pledges.patent_application_nos') }} as application_no
        from pledges
    ) as listed
    where trim(listed.application_no) <> ''

),

accumulated as (

    select
        application_no,
        registration_date,
        sum(coalesce(loan_amount_wan, 0)) over (
            partition by application_no
            order by registration_date
            range between unbounded preceding and current row
        ) as cumulative_loan_wan
    from pledged_patents

),

final as (

    select
        application_no,
        cast(max(cumulative_loan_wan) as decimal(18, 4)) as total_pledged_loan_wan,
        min(
            case
                when cumulative_loan_wan >= {{ var('pledge_high_value_threshold_wan') }}
                    then registration_date
            end
        ) as pledge_threshold_reached_on
    from accumulated
    group by application_no

)

select * from final
