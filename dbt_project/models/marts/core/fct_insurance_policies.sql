-- One row per IP insurance policy (current version).
with

policies as (

    select * from {{ ref('int_insurance_policies_deduplicated') }}

),

final as (

    select
        {{ surrogate_key(['policy_no']) }} as insurance_policy_key,
        policy_no,
        {{ date_key('start_date') }} as start_date_key,
        start_date,
        end_date,
        insured_name,
        insured_uscc,
        insured_party_type,
        insured_region_code,
        insured_country,
        {{ region_key('insured_region_code') }} as insured_region_key,
        insurance_type,
        cast(coverage_wan as decimal(18, 4)) as coverage_wan,
        cast(premium_wan as decimal(18, 4)) as premium_wan
    from policies

)

select * from final
