with

source as (

    select * from {{ source('audit', 'quarantine') }}

),

final as (

    select
        cast(source as varchar) as source_system,
        cast(entity as varchar) as entity,
        cast(batch_id as varchar) as batch_id,
        cast(record_key as varchar) as record_key,
        cast(reason_code as varchar) as reason_code,
        cast(reason as varchar) as reason,
        cast(raw_record as varchar) as raw_record

    from source

)

select * from final
