-- CON-01, CON-03..06: technology contracts registered in the period, current version only and
-- status 有效 (a cancelled registration counts nowhere), attributed to the seller's region.
-- One row per contract and published row it counts in, with the file row it came from; the
-- values are their sums (int_indicator_values_unioned).
-- CON-02 (growth over the base year) is derived from CON-01 in int_indicator_values_derived.
{%- set contract = {'record_kind': 'contract', 'record_key': 'registration_no',
    'origin': 'file_name'} %}
with

contracts as (

    select * from {{ ref('int_tech_contracts_deduplicated') }}
    where contract_status in {{ enumeration_codes('contract_status', 'in_force') }}
        and registration_date is not null

),

classified as (

    select
        registration_no,
        registration_date,
        seller_region_code,
        contract_category,
        turnover_wan,
        tech_transaction_wan,
        source_system,
        batch_id,
        file_name,
        batch_row_number,
        {{ list_has_role('ip_types', 'ip_type', 'patent') }} as involves_patents,
        seller_type in {{ enumeration_codes('seller_type', 'univ_inst') }} as is_sold_by_univ_inst
    from contracts

),

measures as (

    select
        {{ measure_columns('CON-01', 'registration_date', 'seller_region_code',
            amount='turnover_wan', **contract) }}
    from classified
    where involves_patents

    union all

    select
        {{ measure_columns('CON-03', 'registration_date', 'seller_region_code',
            amount='turnover_wan', **contract) }}
    from classified

    union all

    select
        {{ measure_columns('CON-03', 'registration_date', 'seller_region_code',
            breakdown="'contract_type=' || contract_category", amount='turnover_wan', **contract) }}
    from classified
    where contract_category is not null

    union all

    select
        {{ measure_columns('CON-04', 'registration_date', 'seller_region_code',
            amount='tech_transaction_wan', **contract) }}
    from classified

    union all

    select
        {{ measure_columns('CON-05', 'registration_date', 'seller_region_code',
            amount='turnover_wan', **contract) }}
    from classified
    where is_sold_by_univ_inst

    union all

    select
        {{ measure_columns('CON-06', 'registration_date', 'seller_region_code', **contract) }}
    from classified
    where involves_patents

),

final as (

    {{ attribute_measures('measures', 'within') }}

)

select * from final
