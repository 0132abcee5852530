-- Every conversion (转化运用) of a patent with its date and counterparty region: non-revoked
-- TR01/EE01/OL03 (first to_party), current 有效 contracts listing it (seller), not-cancelled
-- pledges listing it (pledgor), filed/certified intensive products listing it (product region,
-- dated 1 January of data_year). EC01/PC01 never undo one; OL01 alone is none.
with

events as (

    select * from {{ ref('int_legal_events_deduplicated') }}
    where event_code in ('TR01', 'EE01', 'OL03')
        and not is_revoked

),

contracts as (

    select * from {{ ref('int_tech_contracts_deduplicated') }}
    where contract_status in {{ enumeration_codes('contract_status', 'in_force') }}

),

pledges as (

    select * from {{ ref('int_pledges_deduplicated') }}
    where pledge_status not in {{ enumeration_codes('pledge_status', 'void') }}

),

products as (

    select * from {{ ref('int_intensive_products_deduplicated') }}
    where product_status in {{ enumeration_codes('product_status', ['filing', 'recognition']) }}

),

event_conversions as (

    select
        application_no,
        event_date as converted_on,
        event_code as conversion_kind,
        event_id as source_record_id,
        first_to_party_region_code as counterparty_region_code
    from events

),

contract_patents as (

    select
        trim(listed.application_no) as application_no,
        listed.registration_date as converted_on,
        'contract' as conversion_kind,
        listed.registration_no as source_record_id,
        listed.seller_region_code as counterparty_region_code
    from (
        select
            contracts.*,
            {{ unnest_list('contracts.patent_application_nos') }} as application_no
        from contracts
    ) as listed

),

pledge_patents as (

    select
        trim(listed.application_no) as application_no,
        listed.registration_date as converted_on,
        'pledge' as conversion_kind,
        listed.pledge_id as source_record_id,
        listed.pledgor_region_code as counterparty_region_code
    from (
        select
            pledges.*,
            {{ unnest_list('pledges.patent_application_nos') }} as application_no
        from pledges
    ) as listed

),

product_patents as (

    select
        trim(listed.application_no) as application_no,
        cast(cast(listed.data_year as varchar) || '-01-01' as date) as converted_on,
        'intensive_product' as conversion_kind,
        listed.product_id as source_record_id,
        listed.region_code as counterparty_region_code
    from (
        select
            products.*,
            {{ unnest_list('products.patent_application_nos') }} as application_no
        from products
    ) as listed

),

all_conversions as (

    select * from event_conversions
    union all
    select * from contract_patents
    union all
    select * from pledge_patents
    union all
    select * from product_patents

),

final as (

    select
        application_no,
        converted_on,
        conversion_kind,
        source_record_id,
        counterparty_region_code,
        coalesce({{ is_jurisdiction_region('counterparty_region_code') }}, false)
            as is_jinan_counterparty
    from all_conversions
    where application_no is not null
        and application_no <> ''
        and converted_on is not null

)

select * from final
