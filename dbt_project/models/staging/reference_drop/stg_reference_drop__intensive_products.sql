with

source as (

    select * from {{ source('reference_drop', 'intensive_products') }}

),

final as (

    select
        cast(product_id as varchar) as product_id,
        cast(product_name as varchar) as product_name,
        cast(owner_uscc as varchar) as owner_uscc,
        cast(region_code as varchar) as region_code,
        cast(data_year as integer) as data_year,
        cast(status as varchar) as product_status,
        cast(output_value_wan as decimal(18, 4)) as output_value_wan,
        coalesce(cast(patent_application_nos as varchar), '') as patent_application_nos,
        cast(_snapshot_date as date) as snapshot_date,
        cast(_source as varchar) as source_system,
        cast(_origin as varchar) as origin,
        cast(_batch_id as varchar) as batch_id,
        cast(_extracted_at as timestamp with time zone) as extracted_at,
        cast(_row_number as bigint) as batch_row_number

    from source

)

select * from final
