-- First conversion dates of each patent. "A conversion on or before D" is monotone in D, so the
-- earliest date answers it for every D without re-scanning the conversions.
with

conversions as (

    select * from {{ ref('int_patent_conversions_unioned') }}

),

final as (

    select
        application_no,
        min(converted_on) as first_converted_on,
        min(case when is_jinan_counterparty then converted_on end) as first_jinan_converted_on,
        count(*) as conversion_count
    from conversions
    group by application_no

)

select * from final
