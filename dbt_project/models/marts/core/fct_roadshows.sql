-- One row per financing roadshow (current version).
with

roadshows as (

    select * from {{ ref('int_roadshows_deduplicated') }}

),

final as (

    select
        {{ surrogate_key(['roadshow_id']) }} as roadshow_key,
        roadshow_id,
        {{ date_key('event_date') }} as event_date_key,
        event_date,
        {{ dimension_key(['industry_chain']) }} as industry_chain_key,
        industry_chain,
        cast(enterprise_count as integer) as enterprise_count,
        cast(intended_amount_wan as decimal(18, 4)) as intended_amount_wan,
        cast(signed_amount_wan as decimal(18, 4)) as signed_amount_wan
    from roadshows

)

select * from final
