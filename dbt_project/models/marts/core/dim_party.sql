-- Organisations with their qualification flags over time (高新技术企业, 专精特新,
-- 科技型中小企业), one row per USCC and validity window from the newest organisations
-- snapshot; valid_to is as delivered (inclusive). Facts resolve the row valid on their date.
with

organizations as (

    select * from {{ ref('int_organizations_deduplicated') }}

),

versions as (

    select
        {{ surrogate_key(['uscc', 'valid_from']) }} as party_key,
        uscc,
        organization_name,
        party_type,
        region_code,
        coalesce(is_high_tech_enterprise, false) as is_high_tech_enterprise,
        coalesce(is_specialized_sme, false) as is_specialized_sme,
        coalesce(is_tech_sme, false) as is_tech_sme,
        valid_from,
        valid_to,
        row_number() over (partition by uscc order by valid_from desc) = 1 as is_latest_version,
        snapshot_date
    from organizations
    where uscc is not null

),

unknown_member as (

    select
        {{ unknown_member_key() }} as party_key,
        cast(null as varchar) as uscc,
        '未知' as organization_name,
        cast(null as varchar) as party_type,
        cast(null as varchar) as region_code,
        false as is_high_tech_enterprise,
        false as is_specialized_sme,
        false as is_tech_sme,
        cast(null as date) as valid_from,
        cast(null as date) as valid_to,
        false as is_latest_version,
        cast(null as date) as snapshot_date

),

final as (

    select * from versions
    union all
    select * from unknown_member

)

select * from final
