-- Pledgees (质权人) named by the current pledges, keyed by USCC (name when there is none),
-- plus the unknown member.
with

pledges as (

    select * from {{ ref('int_pledges_deduplicated') }}

),

institutions as (

    select
        coalesce(pledgee_uscc, pledgee_name) as institution_id,
        max(pledgee_uscc) as institution_uscc,
        max(pledgee_name) as institution_name,
        max(pledgee_institution_type) as institution_type
    from pledges
    where coalesce(pledgee_uscc, pledgee_name) is not null
    group by coalesce(pledgee_uscc, pledgee_name)

),

final as (

    select
        {{ surrogate_key(['institution_id']) }} as financial_institution_key,
        institution_id,
        institution_uscc,
        institution_name,
        institution_type
    from institutions

    union all

    select
        {{ unknown_member_key() }},
        'unknown',
        cast(null as varchar),
        '未知',
        cast(null as varchar)

)

select * from final
