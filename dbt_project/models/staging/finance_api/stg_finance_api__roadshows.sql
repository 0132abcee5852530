with

source as (

    select * from {{ source('finance_api', 'roadshows') }}

),

final as (

    select
        cast(roadshow_id as varchar) as roadshow_id,
        cast(event_date as date) as event_date,
        cast(industry_chain as varchar) as industry_chain,
        cast(enterprises as integer) as enterprise_count,
        cast(intended_amount_wan as decimal(18, 4)) as intended_amount_wan,
        cast(signed_amount_wan as decimal(18, 4)) as signed_amount_wan,
        cast(updated_at as timestamp with time zone) as updated_at,
        cast(_source as varchar) as source_system,
        cast(_origin as varchar) as origin,
        cast(_batch_id as varchar) as batch_id,
        cast(_extracted_at as timestamp with time zone) as extracted_at,
        cast(_row_number as bigint) as batch_row_number

    from source

)

select * from final
