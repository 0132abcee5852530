-- PIP-01..03: patent-intensive products of the newest snapshot whose data_year is the period's
-- year (year rows only), attributed to the product's region. One row per product and published
-- row it counts in, with the reference file row it came from.
{%- set product = {'record_kind': 'product', 'record_key': 'product_id'} %}
with

products as (

    select
        product_id,
        region_code,
        product_status,
        output_value_wan,
        source_system,
        batch_id,
        origin,
        batch_row_number,
        cast(cast(data_year as varchar) || '-01-01' as date) as data_year_start
    from {{ ref('int_intensive_products_deduplicated') }}
    where data_year is not null

),

measures as (

    select
        {{ measure_columns('PIP-01', 'data_year_start', 'region_code', **product) }}
    from products
    where product_status in {{ enumeration_codes('product_status', 'recognition') }}

    union all

    select
        {{ measure_columns('PIP-02', 'data_year_start', 'region_code',
            amount='output_value_wan', **product) }}
    from products
    where product_status in {{ enumeration_codes('product_status', 'recognition') }}

    union all

    select
        {{ measure_columns('PIP-03', 'data_year_start', 'region_code', **product) }}
    from products
    where product_status in {{ enumeration_codes('product_status', ['filing', 'recognition']) }}

),

final as (

    {{ attribute_measures('measures', 'within') }}

)

select * from final
