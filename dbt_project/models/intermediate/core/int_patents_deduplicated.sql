-- Current version of every patent: newest updated_at, ties broken by the later landing.
with

deduplicated as (

    {{ deduplicate(ref('stg_patent_api__patents'), 'application_no', 'updated_at desc nulls last, extracted_at desc, batch_id desc, batch_row_number desc') }}

),

final as (

    select * from deduplicated

)

select * from final
