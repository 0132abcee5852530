-- Reporting regions of the jurisdiction J (J and every region below it in seeds/regions.csv)
-- plus the members a party's own region code can fall into besides them: the remainder of a
-- listed region with children (`rest:<code>`, a code below it that no listed child holds; it
-- counts for that region and its ancestors only), outside J, unknown.
with

reporting as (

    select * from {{ reporting_regions() }} as reporting

),

listed as (

    select
        {{ surrogate_key(['region_code']) }} as region_key,
        cast(region_code as varchar) as region_code,
        cast(name_zh as varchar) as name_zh,
        cast(name_en as varchar) as name_en,
        cast(kind as varchar) as region_kind,
        true as is_reporting_region,
        true as is_in_jurisdiction
    from reporting

),

remainders as (

    select
        {{ surrogate_key([remainder_prefix() ~ " || region_code"]) }} as region_key,
        cast({{ remainder_prefix() }} || region_code as varchar) as region_code,
        cast(name_zh || '（未列明区域）' as varchar) as name_zh,
        cast(coalesce(name_en, name_zh) || ', outside its listed regions' as varchar) as name_en,
        'remainder' as region_kind,
        false as is_reporting_region,
        true as is_in_jurisdiction
    from reporting
    where region_code in {{ parent_region_codes() }}

),

extra_members as (

    select
        {{ surrogate_key(["'outside'"]) }} as region_key,
        'outside' as region_code,
        '辖区外' as name_zh,
        'Outside the jurisdiction (other Chinese regions or abroad)' as name_en,
        'outside' as region_kind,
        false as is_reporting_region,
        false as is_in_jurisdiction

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
    select * from remainders
    union all
    select * from extra_members

)

select * from final
