-- Current patents with their IPC-derived chain and SEI, the time-independent high-value facts
-- and their current first owner, plus the unknown member (events or listings of patents the
-- registry does not deliver point to it). The lineage names the delivery of the current version.
with

patents as (

    select * from {{ ref('int_patents_enriched') }}

),

current_owners as (

    select * from {{ ref('int_patent_owners_historized') }}
    where is_current

),

final as (

    select
        {{ surrogate_key(['patents.application_no']) }} as patent_key,
        patents.application_no,
        patents.patent_type,
        patents.title,
        patents.application_date,
        patents.grant_date,
        patents.first_granted_on,
        patents.ipc_main,
        patents.matched_ipc_prefix,
        {{ dimension_key(['patents.sei_code']) }} as sei_key,
        {{ surrogate_key(['patents.industry_chain']) }} as industry_chain_key,
        patents.industry_chain,
        patents.first_applicant_name,
        patents.first_applicant_uscc,
        patents.first_applicant_party_type,
        patents.first_applicant_region_code,
        current_owners.first_owner_name as current_first_owner_name,
        current_owners.first_owner_uscc as current_first_owner_uscc,
        current_owners.first_owner_party_type as current_first_owner_party_type,
        current_owners.first_owner_region_code as current_first_owner_region_code,
        patents.meets_sei_criterion,
        patents.meets_family_criterion,
        patents.meets_award_criterion,
        patents.has_fiscal_funding,
        patents.legal_status,
        patents.source_system,
        patents.batch_id,
        patents.origin,
        patents.batch_row_number
    from patents
    left join current_owners
        on current_owners.application_no = patents.application_no

    union all

    select
        {{ unknown_member_key() }},
        'unknown',
        cast(null as varchar),
        '未知专利',
        cast(null as date),
        cast(null as date),
        cast(null as date),
        cast(null as varchar),
        cast(null as varchar),
        {{ unknown_member_key() }},
        {{ surrogate_key(["'other'"]) }},
        'other',
        cast(null as varchar),
        cast(null as varchar),
        cast(null as varchar),
        cast(null as varchar),
        cast(null as varchar),
        cast(null as varchar),
        cast(null as varchar),
        cast(null as varchar),
        false,
        false,
        false,
        false,
        cast(null as varchar),
        cast(null as varchar),
        cast(null as varchar),
        cast(null as varchar),
        cast(null as bigint)

)

select * from final
