with

source as (

    select * from {{ source('audit', 'reconciliation') }}

),

final as (

    select
        cast(source as varchar) as source_system,
        cast(entity as varchar) as entity,
        cast(batch_id as varchar) as batch_id,
        cast(origin as varchar) as origin,
        cast(delivered as bigint) as delivered_count,
        cast(loaded as bigint) as loaded_count,
        cast(quarantined as bigint) as quarantined_count,
        cast(superseded as bigint) as superseded_count,
        cast(extracted_at as timestamp with time zone) as extracted_at,
        cast(checksum as varchar) as checksum

    from source

)

select * from final
