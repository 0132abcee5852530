-- Calendar days from calendar_start (1985, the first Chinese patent filings) to Dec 31 of the
-- year after the run's year, plus the unknown member (date_key -1) for facts without a date.
with

days as (

    {{ day_spine("cast('" ~ var('calendar_start') ~ "' as date)",
        "cast('" ~ (as_of_year() | int + 1) ~ "-12-31' as date)") }}

),

calendar as (

    select
        {{ date_key('date_day') }} as date_key,
        date_day,
        cast(extract(year from date_day) as integer) as calendar_year,
        cast(extract(quarter from date_day) as integer) as calendar_quarter,
        cast(extract(month from date_day) as integer) as calendar_month,
        cast(date_trunc('month', date_day) as date) as month_start,
        {{ last_day_of_month('date_day') }} as month_end,
        cast(date_trunc('quarter', date_day) as date) as quarter_start,
        cast(date_trunc('year', date_day) as date) as year_start,
        date_day = {{ last_day_of_month('date_day') }} as is_month_end,
        date_day <= {{ as_of_date() }} as is_on_or_before_as_of
    from days

),

unknown_member as (

    select
        -1 as date_key,
        cast(null as date) as date_day,
        cast(null as integer) as calendar_year,
        cast(null as integer) as calendar_quarter,
        cast(null as integer) as calendar_month,
        cast(null as date) as month_start,
        cast(null as date) as month_end,
        cast(null as date) as quarter_start,
        cast(null as date) as year_start,
        false as is_month_end,
        false as is_on_or_before_as_of

),

final as (

    select * from calendar
    union all
    select * from unknown_member

)

select * from final
