-- Current version of every insurance policy.
with

deduplicated as (

    {{ deduplicate(ref('stg_finance_api__insurance_policies'), 'policy_no', 'updated_at desc nulls last, extracted_at desc, batch_id desc, batch_row_number desc') }}

),

final as (

    select * from deduplicated

)

select * from final
