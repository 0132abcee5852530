-- Inventory returns of the newest snapshot, one per patent and entry date.
-- A reference delivery is a full snapshot: the newest snapshot replaces every older one.
with

snapshots as (

    select * from {{ ref('stg_reference_drop__inventory_returns') }}

),

latest_snapshot as (

    select * from snapshots
    where snapshot_date = (select max(snapshot_date) from snapshots)

),

deduplicated as (

    {{ deduplicate('latest_snapshot', 'application_no, entered_date', 'extracted_at desc, batch_id desc, batch_row_number desc', ref('stg_reference_drop__inventory_returns')) }}

),

final as (

    select * from deduplicated

)

select * from final
