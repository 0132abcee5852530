-- The full domain of every fixed breakdown dimension, so a breakdown's rows cover it with zeros:
-- the chains of the chain list (with `other`), the six party types, the five criteria, the five
-- 合同类别. (owner_uscc= is data-dependent and is not scaffolded.)
with

chains as (

    select
        'industry_chain' as breakdown_dimension,
        'industry_chain=' || industry_chain as breakdown
    from {{ ref('industry_chains') }}

),

party_types as (

    select
        'party_type' as breakdown_dimension,
        'party_type=' || party_type as breakdown
    from {{ ref('party_types') }}

),

criteria as (

    select
        'criterion' as breakdown_dimension,
        'criterion=' || criterion as breakdown
    from {{ ref('criteria') }}

),

contract_types as (

    select
        'contract_type' as breakdown_dimension,
        'contract_type=' || contract_category as breakdown
    from {{ ref('contract_types') }}

),

final as (

    select * from chains
    union all
    select * from party_types
    union all
    select * from criteria
    union all
    select * from contract_types

)

select * from final
