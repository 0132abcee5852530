-- Current version of every roadshow.
with

deduplicated as (

    {{ deduplicate(ref('stg_finance_api__roadshows'), 'roadshow_id', 'updated_at desc nulls last, extracted_at desc, batch_id desc, batch_row_number desc') }}

),

final as (

    select * from deduplicated

)

select * from final
