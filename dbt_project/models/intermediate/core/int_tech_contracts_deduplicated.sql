-- Current version of every contract: the row of the newest file by _rN re-issue, then delivery order. A cancelled (已撤销) current row stays here; consumers keep only 有效, so a later re-issue can reinstate it.
with

deduplicated as (

    {{ deduplicate(ref('stg_tech_contract_drop__tech_contracts'), 'registration_no', 'file_reissue desc, delivery_seq desc, batch_row_number desc') }}

),

final as (

    select * from deduplicated

)

select * from final
