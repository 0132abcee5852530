{#- The pseudo-region that collects what a 3701xx code outside the 13 districts contributes: it
    counts for the city total only. It never reaches indicator_values; the additivity test uses
    it to check city = sum(districts) + remainder exactly. -#}
{% macro city_remainder_code() -%}
    'city_only'
{%- endmacro %}

{% macro is_jinan_region(column) -%}
    ({{ column }} like '3701%')
{%- endmacro %}

{#- Every measure of a Jinan party twice: once for the city, once for its district (or the
    city-only remainder). Parties outside Jinan (or without a region) are not attributed. -#}
{% macro attribute_to_regions(relation, region_column='region_code') -%}
    select
        attributed.*,
        '3701' as reporting_region_code
    from {{ relation }} as attributed
    where {{ is_jinan_region('attributed.' ~ region_column) }}

    union all

    select
        attributed.*,
        coalesce(district.region_code, {{ city_remainder_code() }}) as reporting_region_code
    from {{ relation }} as attributed
    left join {{ ref('regions') }} as district
        on district.region_code = attributed.{{ region_column }}
        and district.kind <> 'city'
    where {{ is_jinan_region('attributed.' ~ region_column) }}
{%- endmacro %}

{#- How a party's own region code classifies for the region dimension: one of the 13 districts,
    the city-only remainder (3701xx outside the 13), outside Jinan, or unknown (no code). -#}
{% macro region_member_code(column) -%}
    case
        when {{ column }} is null or {{ column }} = '' then 'unknown'
        when {{ column }} in (
            select district.region_code from {{ ref('regions') }} as district
            where district.kind <> 'city'
        ) then {{ column }}
        when {{ is_jinan_region(column) }} then {{ city_remainder_code() }}
        else 'outside_jinan'
    end
{%- endmacro %}

{#- dim_region key of a party's own region code. -#}
{% macro region_key(column) -%}
    case
        when {{ column }} is null or {{ column }} = '' then {{ unknown_member_key() }}
        else {{ surrogate_key([region_member_code(column)]) }}
    end
{%- endmacro %}
