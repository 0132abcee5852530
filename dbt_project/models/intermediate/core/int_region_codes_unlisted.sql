-- Region codes of J that records are attributed by but the hierarchy (seeds/regions.csv) does
-- not list, with the listed ancestor they count for and how many current records carry each,
-- by the field they sit in: the run summary and `patentflow health` report them so that the
-- hierarchy can be updated (a new district, a code retired since the seed was made).
with

patents as (

    select * from {{ ref('int_patents_deduplicated') }}

),

legal_events as (

    select * from {{ ref('int_legal_events_deduplicated') }}

),

pledges as (

    select * from {{ ref('int_pledges_deduplicated') }}

),

insurance_policies as (

    select * from {{ ref('int_insurance_policies_deduplicated') }}

),

tech_contracts as (

    select * from {{ ref('int_tech_contracts_deduplicated') }}

),

intensive_products as (

    select * from {{ ref('int_intensive_products_deduplicated') }}

),

listed as (

    select region_code from {{ ref('regions') }}

),

used as (

    select 'patents.first_applicant' as used_in, first_applicant_region_code as region_code
    from patents
    union all
    select 'legal_events.first_from_party', first_from_party_region_code from legal_events
    union all
    select 'legal_events.first_to_party', first_to_party_region_code from legal_events
    union all
    select 'pledges.pledgor', pledgor_region_code from pledges
    union all
    select 'insurance_policies.insured', insured_region_code from insurance_policies
    union all
    select 'tech_contracts.seller', seller_region_code from tech_contracts
    union all
    select 'tech_contracts.buyer', buyer_region_code from tech_contracts
    union all
    select 'intensive_products.region', region_code from intensive_products

),

final as (

    select
        used.region_code,
        {{ nearest_listed_code('used.region_code') }} as counted_for,
        used.used_in,
        count(*) as records
    from used
    where {{ is_jurisdiction_region('used.region_code') }}
        and used.region_code not in (select listed.region_code from listed)
    group by used.region_code, used.used_in

)

select * from final
