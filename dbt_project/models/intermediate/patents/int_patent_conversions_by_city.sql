-- First conversion date of each patent per counterparty city (the counterparty region's 4-digit
-- prefix). PAT-04 on a city or district row needs "a conversion by a party of the row's city on
-- or before D" (../shared/indicators.md, Other jurisdictions); like
-- int_patent_conversions_summarised, the earliest date answers it for every D.
with

conversions as (

    select * from {{ ref('int_patent_conversions_unioned') }}
    where length(counterparty_region_code) >= 4

),

final as (

    select
        application_no,
        {{ counterparty_scope('counterparty_region_code') }} as city_code,
        min(converted_on) as first_converted_on
    from conversions
    group by application_no, {{ counterparty_scope('counterparty_region_code') }}

)

select * from final
