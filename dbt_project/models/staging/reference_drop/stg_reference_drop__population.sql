with

source as (

    select * from {{ source('reference_drop', 'population') }}

),

final as (

    select
        cast(region_code as varchar) as region_code,
        cast(year as integer) as population_year,
        cast(resident_population as bigint) as resident_population,
        cast(_snapshot_date as date) as snapshot_date,
        cast(_source as varchar) as source_system,
        cast(_origin as varchar) as origin,
        cast(_batch_id as varchar) as batch_id,
        cast(_extracted_at as timestamp with time zone) as extracted_at,
        cast(_row_number as bigint) as batch_row_number

    from source

)

select * from final
