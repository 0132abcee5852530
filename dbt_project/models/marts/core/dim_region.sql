-- Reporting regions (the city and its 13 districts) plus the members a party's own region code
-- can fall into besides them: a 3701xx code outside the 13 (city only), outside Jinan, unknown.
with

regions as (

    select * from {{ ref('regions') }}

),

listed as (

    select
        {{ surrogate_key(['region_code']) }} as region_key,
        cast(region_code as varchar) as region_code,
        cast(name_zh as varchar) as name_zh,
        cast(name_en as varchar) as name_en,
        cast(kind as varchar) as region_kind,
        true as is_reporting_region,
        region_code like '3701%' as is_in_jinan
    from regions

),

extra_members as (

    select
        {{ surrogate_key(["'city_only'"]) }} as region_key,
        'city_only' as region_code,
        '济南市其他' as name_zh,
        'Jinan, outside the 13 listed districts (counts for the city only)' as name_en,
        'city_only' as region_kind,
        false as is_reporting_region,
        true as is_in_jinan

    union all

    select
        {{ surrogate_key(["'outside_jinan'"]) }},
        'outside_jinan',
        '济南市外',
        'Outside Jinan (other Chinese regions or abroad)',
        'outside',
        false,
        false

    union all

    select
        {{ unknown_member_key() }},
        'unknown',
        '未知',
        'Unknown (no region code)',
        'unknown',
        false,
        false

),

final as (

    select * from listed
    union all
    select * from extra_members

)

select * from final
