-- Every reporting period from Jan 1 of first_year to the run's as_of date. A period not yet over
-- on as_of ends on as_of (its D) and is marked incomplete.
with

month_starts as (

    {{ month_spine("cast('" ~ var('first_year') ~ "-01-01' as date)", as_of_date()) }}

),

months as (

    select
        'month' as period_type,
        month_start as period_start,
        {{ last_day_of_month('month_start') }} as nominal_period_end
    from month_starts

),

quarters as (

    select distinct
        'quarter' as period_type,
        cast(date_trunc('quarter', month_start) as date) as period_start,
        cast(
            date_trunc('quarter', month_start) + interval '3 months' - interval '1 day' as date
        ) as nominal_period_end
    from month_starts

),

years as (

    select distinct
        'year' as period_type,
        cast(date_trunc('year', month_start) as date) as period_start,
        cast(
            date_trunc('year', month_start) + interval '1 year' - interval '1 day' as date
        ) as nominal_period_end
    from month_starts

),

all_periods as (

    select * from years
    union all
    select * from quarters
    union all
    select * from months

),

final as (

    select
        {{ surrogate_key(['period_type', 'period_start']) }} as period_key,
        period_type,
        period_start,
        case
            when nominal_period_end <= {{ as_of_date() }} then nominal_period_end
            else {{ as_of_date() }}
        end as period_end,
        nominal_period_end,
        nominal_period_end <= {{ as_of_date() }} as is_complete,
        cast(extract(year from period_start) as integer) as period_year
    from all_periods

)

select * from final
