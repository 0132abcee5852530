with

source as (

    select * from {{ source('tech_contract_drop', 'tech_contracts') }}

),

final as (

    select
        cast(registration_no as varchar) as registration_no,
        cast(contract_name as varchar) as contract_name,
        cast(contract_category as varchar) as contract_category,
        cast(registration_date as date) as registration_date,
        cast(seller_name as varchar) as seller_name,
        cast(seller_uscc as varchar) as seller_uscc,
        cast(seller_type as varchar) as seller_type,
        cast(seller_region as varchar) as seller_region_code,
        cast(buyer_name as varchar) as buyer_name,
        cast(buyer_uscc as varchar) as buyer_uscc,
        cast(buyer_region as varchar) as buyer_region_code,
        cast(turnover_wan as decimal(18, 4)) as turnover_wan,
        cast(tech_transaction_wan as decimal(18, 4)) as tech_transaction_wan,
        coalesce(cast(ip_types as varchar), '') as ip_types,
        coalesce(cast(patent_application_nos as varchar), '') as patent_application_nos,
        cast(tech_field as varchar) as tech_field,
        cast(status as varchar) as contract_status,
        cast(_file_month as varchar) as file_month,
        cast(_reissue as integer) as file_reissue,
        cast(_delivery_seq as bigint) as delivery_seq,
        cast(_source as varchar) as source_system,
        cast(_origin as varchar) as file_name,
        cast(_batch_id as varchar) as batch_id,
        cast(_extracted_at as timestamp with time zone) as extracted_at,
        cast(_row_number as bigint) as batch_row_number

    from source

)

select * from final
