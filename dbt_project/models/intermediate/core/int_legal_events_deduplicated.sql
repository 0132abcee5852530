-- Current version of every legal event (revoked ones kept and flagged; consumers ignore them).
with

deduplicated as (

    {{ deduplicate(ref('stg_patent_api__legal_events'), 'event_id', 'updated_at desc nulls last, extracted_at desc, batch_id desc, batch_row_number desc') }}

),

final as (

    select * from deduplicated

)

select * from final
