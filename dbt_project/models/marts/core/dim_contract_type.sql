-- The five 合同类别 of the technology contract registry plus the unknown member.
with

contract_types as (

    select * from {{ ref('contract_types') }}

),

final as (

    select
        {{ surrogate_key(['contract_category']) }} as contract_type_key,
        cast(contract_category as varchar) as contract_category,
        cast(name_en as varchar) as name_en,
        cast(sort_order as integer) as sort_order
    from contract_types

    union all

    select
        {{ unknown_member_key() }},
        '未知',
        'Unknown',
        99

)

select * from final
