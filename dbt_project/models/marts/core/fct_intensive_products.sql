-- One row per patent-intensive product of the newest snapshot.
with

products as (

    select * from {{ ref('int_intensive_products_deduplicated') }}

),

final as (

    select
        {{ surrogate_key(['product_id']) }} as intensive_product_key,
        product_id,
        product_name,
        owner_uscc,
        region_code,
        {{ region_key('region_code') }} as region_key,
        cast(data_year as integer) as data_year,
        product_status,
        cast(output_value_wan as decimal(18, 4)) as output_value_wan,
        patent_application_nos,
        snapshot_date
    from products

)

select * from final
