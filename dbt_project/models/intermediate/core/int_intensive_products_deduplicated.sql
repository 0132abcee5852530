-- Patent-intensive products of the newest snapshot, one per product.
-- A reference delivery is a full snapshot: the newest snapshot replaces every older one.
with

snapshots as (

    select * from {{ ref('stg_reference_drop__intensive_products') }}

),

latest_snapshot as (

    select * from snapshots
    where snapshot_date = (select max(snapshot_date) from snapshots)

),

deduplicated as (

    {{ deduplicate('latest_snapshot', 'product_id', 'extracted_at desc, batch_id desc, batch_row_number desc', ref('stg_reference_drop__intensive_products')) }}

),

final as (

    select * from deduplicated

)

select * from final
