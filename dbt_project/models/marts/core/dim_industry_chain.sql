-- The plan's key industry chains (with `other`) plus the unknown member.
with

chains as (

    select * from {{ ref('industry_chains') }}

),

final as (

    select
        {{ surrogate_key(['industry_chain']) }} as industry_chain_key,
        cast(industry_chain as varchar) as industry_chain,
        cast(name_zh as varchar) as name_zh,
        cast(name_en as varchar) as name_en
    from chains

    union all

    select
        {{ unknown_member_key() }},
        'unknown',
        '未知',
        'Unknown'

)

select * from final
