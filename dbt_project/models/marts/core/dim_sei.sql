-- Strategic emerging industries (战略性新兴产业) named by the IPC map, plus the unknown member
-- for patents whose main IPC has no SEI.
with

ipc_map as (

    select * from {{ ref('ipc_industry_map') }}

),

industries as (

    select
        cast(sei_code as varchar) as sei_code,
        min(cast(sei_name as varchar)) as sei_name
    from ipc_map
    where sei_code is not null
    group by cast(sei_code as varchar)

),

final as (

    select
        {{ surrogate_key(['sei_code']) }} as sei_key,
        sei_code,
        sei_name
    from industries

    union all

    select
        {{ unknown_member_key() }},
        'none',
        '非战略性新兴产业 / 未知'

)

select * from final
