-- Current version of every pledge registration.
with

deduplicated as (

    {{ deduplicate(ref('stg_finance_api__pledges'), 'pledge_id', 'updated_at desc nulls last, extracted_at desc, batch_id desc, batch_row_number desc') }}

),

final as (

    select * from deduplicated

)

select * from final
