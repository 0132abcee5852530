-- One row per technology contract, its current version (newest file by re-issue, then delivery);
-- is_counted is false for a cancelled (已撤销) registration, which counts nowhere.
with

contracts as (

    select * from {{ ref('int_tech_contracts_deduplicated') }}

),

final as (

    select
        {{ surrogate_key(['registration_no']) }} as tech_contract_key,
        registration_no,
        contract_name,
        {{ dimension_key(['contract_category']) }} as contract_type_key,
        contract_category,
        {{ date_key('registration_date') }} as registration_date_key,
        registration_date,
        seller_name,
        seller_uscc,
        seller_type,
        seller_region_code,
        {{ region_key('seller_region_code') }} as seller_region_key,
        buyer_name,
        buyer_uscc,
        buyer_region_code,
        cast(turnover_wan as decimal(18, 4)) as turnover_wan,
        cast(tech_transaction_wan as decimal(18, 4)) as tech_transaction_wan,
        ip_types,
        {{ list_has_role('ip_types', 'ip_type', 'patent') }} as involves_patents,
        patent_application_nos,
        tech_field,
        contract_status,
        contract_status in {{ enumeration_codes('contract_status', 'in_force') }} as is_counted,
        file_month,
        file_reissue,
        delivery_seq
    from contracts

)

select * from final
