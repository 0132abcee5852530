-- Organisation qualification rows of the newest snapshot (one per USCC and validity start).
-- A reference delivery is a full snapshot: the newest snapshot replaces every older one.
with

snapshots as (

    select * from {{ ref('stg_reference_drop__organizations') }}

),

latest_snapshot as (

    select * from snapshots
    where snapshot_date = (select max(snapshot_date) from snapshots)

),

deduplicated as (

    {{ deduplicate('latest_snapshot', 'uscc, valid_from', 'extracted_at desc, batch_id desc, batch_row_number desc', ref('stg_reference_drop__organizations')) }}

),

final as (

    select * from deduplicated

)

select * from final
