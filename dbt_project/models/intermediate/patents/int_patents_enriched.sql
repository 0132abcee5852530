-- Current patents with their time-independent attributes: IPC-derived chain and SEI, the
-- high-value facts that do not depend on D, the first grant and the date after which the
-- 10-year age criterion holds (29 Feb + 10 years is 28 Feb).
with

patents as (

    select * from {{ ref('int_patents_deduplicated') }}

),

ipc_matches as (

    select * from {{ ref('int_patents_ipc_matched') }}

),

grants as (

    select
        application_no,
        min(event_date) as first_granted_on
    from {{ ref('int_legal_events_deduplicated') }}
    where event_code = 'GR01'
        and not is_revoked
    group by application_no

),

family_members as (

    select
        listed.application_no,
        trim(listed.country_code) as country_code
    from (
        select
            patents.application_no,
            {{ unnest_list('patents.family_countries') }} as country_code
        from patents
    ) as listed

),

foreign_families as (

    select
        application_no,
        bool_or(country_code <> '' and upper(country_code) <> 'CN') as has_foreign_family
    from family_members
    group by application_no

),

final as (

    select
        patents.application_no,
        patents.patent_type,
        patents.patent_type in {{ enumeration_codes('patent_type', 'invention_patent') }} as is_invention,
        patents.title,
        patents.application_date,
        patents.grant_date,
        grants.first_granted_on,
        patents.ipc_main,
        ipc_matches.matched_ipc_prefix,
        ipc_matches.sei_code,
        ipc_matches.sei_name,
        coalesce(ipc_matches.industry_chain, 'other') as industry_chain,
        patents.first_applicant_name,
        patents.first_applicant_uscc,
        patents.first_applicant_party_type,
        patents.first_applicant_region_code,
        patents.first_applicant_country,
        patents.family_countries,
        patents.fiscal_project_ids,
        patents.awards,
        patents.legal_status,
        ipc_matches.sei_code is not null as meets_sei_criterion,
        coalesce(foreign_families.has_foreign_family, false) as meets_family_criterion,
        trim(patents.awards) <> '' as meets_award_criterion,
        trim(patents.fiscal_project_ids) <> '' as has_fiscal_funding,
        {{ add_years('patents.application_date', var('high_value_age_years')) }}
            as age_criterion_anniversary,
        patents.updated_at,
        patents.source_system,
        patents.batch_id,
        patents.origin,
        patents.batch_row_number
    from patents
    left join ipc_matches
        on ipc_matches.application_no = patents.application_no
    left join grants
        on grants.application_no = patents.application_no
    left join foreign_families
        on foreign_families.application_no = patents.application_no

)

select * from final
