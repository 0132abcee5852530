-- Intervals in which each patent is in force: from its first GR01, interrupted by a CF01 lapse
-- until the RR01 that restores it (an RR01 undoes the last CF01 before it), ended by CX01,
-- AV01, IW01 or an unrestored CF01. Revoked events never count. in_force_to is exclusive
-- (null: still in force). Built from change points, never from a daily grid.
with

events as (

    select
        application_no,
        event_id,
        event_code,
        event_date
    from {{ ref('int_legal_events_deduplicated') }}
    where not is_revoked
        and event_code in ('GR01', 'CF01', 'RR01', 'CX01', 'AV01', 'IW01')
        and event_date is not null

),

grants as (

    select
        application_no,
        min(event_date) as granted_on
    from events
    where event_code = 'GR01'
    group by application_no

),

lapses as (

    select
        application_no,
        event_date as lapsed_on,
        lead(event_date) over (
            partition by application_no order by event_date, event_id
        ) as next_lapsed_on
    from events
    where event_code = 'CF01'

),

restorations as (

    select
        application_no,
        event_date as restored_on
    from events
    where event_code = 'RR01'

),

-- A lapse is restored by the first RR01 on or after it and before the next lapse.
lapse_intervals as (

    select
        lapses.application_no,
        lapses.lapsed_on as down_from,
        min(restorations.restored_on) as down_to
    from lapses
    left join restorations
        on restorations.application_no = lapses.application_no
        and restorations.restored_on >= lapses.lapsed_on
        and (lapses.next_lapsed_on is null or restorations.restored_on < lapses.next_lapsed_on)
    group by lapses.application_no, lapses.lapsed_on

),

termination_intervals as (

    select
        application_no,
        min(event_date) as down_from,
        cast(null as date) as down_to
    from events
    where event_code in ('CX01', 'AV01', 'IW01')
    group by application_no

),

down_intervals as (

    select * from lapse_intervals
    union all
    select * from termination_intervals

),

change_points as (

    select application_no, granted_on as changed_on from grants
    union
    select application_no, down_from from down_intervals
    union
    select application_no, down_to from down_intervals where down_to is not null

),

states as (

    select
        change_points.application_no,
        change_points.changed_on,
        not exists (
            select 1
            from down_intervals
            where down_intervals.application_no = change_points.application_no
                and down_intervals.down_from <= change_points.changed_on
                and (down_intervals.down_to is null
                    or change_points.changed_on < down_intervals.down_to)
        ) as is_in_force
    from change_points
    inner join grants
        on grants.application_no = change_points.application_no
        and change_points.changed_on >= grants.granted_on

),

segments as (

    select
        application_no,
        changed_on as segment_from,
        lead(changed_on) over (partition by application_no order by changed_on) as segment_to,
        is_in_force,
        case
            when is_in_force = coalesce(
                lag(is_in_force) over (partition by application_no order by changed_on),
                not is_in_force
            ) then 0
            else 1
        end as starts_new_run
    from states

),

runs as (

    select
        segments.*,
        sum(starts_new_run) over (
            partition by application_no
            order by segment_from
            rows between unbounded preceding and current row
        ) as run_number
    from segments

),

final as (

    select
        application_no,
        row_number() over (partition by application_no order by min(segment_from))
            as interval_sequence,
        min(segment_from) as in_force_from,
        case when bool_or(segment_to is null) then null else max(segment_to) end as in_force_to
    from runs
    where is_in_force
    group by application_no, run_number

)

select * from final
