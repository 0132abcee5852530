-- One row per IP pledge registration (current version); cancelled ones kept and flagged.
with

pledges as (

    select * from {{ ref('int_pledges_deduplicated') }}

),

parties as (

    select * from {{ ref('dim_party') }}
    where uscc is not null

),

-- Organisation windows may overlap: the one starting last before the registration wins.
pledgor_windows as (

    select
        pledges.pledge_id,
        parties.party_key,
        row_number() over (
            partition by pledges.pledge_id
            order by parties.valid_from desc, parties.party_key
        ) as window_rank
    from pledges
    inner join parties
        on parties.uscc = pledges.pledgor_uscc
        and parties.valid_from <= pledges.registration_date
        and (parties.valid_to is null or pledges.registration_date <= parties.valid_to)

),

final as (

    select
        {{ surrogate_key(['pledges.pledge_id']) }} as pledge_key,
        pledges.pledge_id,
        {{ date_key('pledges.registration_date') }} as registration_date_key,
        pledges.registration_date,
        coalesce(pledgor_windows.party_key, {{ unknown_member_key() }}) as pledgor_party_key,
        pledges.pledgor_name,
        pledges.pledgor_uscc,
        pledges.pledgor_party_type,
        pledges.pledgor_region_code,
        pledges.pledgor_country,
        {{ region_key('pledges.pledgor_region_code') }} as pledgor_region_key,
        {{ dimension_key(['coalesce(pledges.pledgee_uscc, pledges.pledgee_name)']) }}
            as financial_institution_key,
        pledges.pledgee_name,
        pledges.patent_application_nos,
        cast(pledges.trademark_count as integer) as trademark_count,
        cast(pledges.loan_amount_wan as decimal(18, 4)) as loan_amount_wan,
        cast(pledges.term_months as integer) as term_months,
        pledges.pledge_status,
        pledges.pledge_status not in {{ enumeration_codes('pledge_status', 'void') }} as is_counted,
        pledges.release_date
    from pledges
    left join pledgor_windows
        on pledgor_windows.pledge_id = pledges.pledge_id
        and pledgor_windows.window_rank = 1

)

select * from final
