{#- Regions of the jurisdiction J (var `jurisdiction`, a GB/T 2260 prefix of seeds/regions.csv:
    2 digits a province, 4 a city, 6 a county-level region). Reporting regions are J and every
    seed region below it; a party's region code belongs to every listed region that is a prefix
    of it ("each region over its own parties", never a sum of lower rows). A code below a listed
    region but not listed itself counts for its nearest listed ancestor; where that ancestor
    has listed children, the party also falls in the ancestor's remainder `rest:<code>` (never
    published; the additivity test checks parent = sum(children) + remainder with it). -#}

{% macro jurisdiction_code() -%}
    {%- set code = var('jurisdiction') | string -%}
    {%- if not modules.re.fullmatch('[0-9]{2}([0-9]{2}([0-9]{2})?)?', code) -%}
        {{ exceptions.raise_compiler_error("jurisdiction must be a GB/T 2260 code prefix of 2, 4 or 6 digits, got " ~ code) }}
    {%- endif -%}
    {{ code }}
{%- endmacro %}

{#- The prefix lengths at which a code of J can meet a listed region (J's own and below). -#}
{% macro region_levels() -%}
    {{ return([2, 4, 6] | select('>=', jurisdiction_code() | length) | list) }}
{%- endmacro %}

{% macro remainder_prefix() -%}'rest:'{%- endmacro %}

{% macro is_jurisdiction_region(column) -%}
    ({{ column }} like '{{ jurisdiction_code() }}%')
{%- endmacro %}

{#- J and every listed region below it. -#}
{% macro reporting_regions() -%}
    (select * from {{ ref('regions') }} where {{ is_jurisdiction_region('region_code') }})
{%- endmacro %}

{#- Listed regions with listed children (the ones with a remainder). -#}
{% macro parent_region_codes() -%}
    (select parent_code from {{ ref('regions') }} where parent_code is not null)
{%- endmacro %}

{#- The longest listed prefix of a code of J (J itself when nothing below it is listed). -#}
{% macro nearest_listed_code(column) -%}
    coalesce(
        {%- for size in region_levels() | reverse if size > jurisdiction_code() | length %}
        case
            when length({{ column }}) >= {{ size }}
                and substr({{ column }}, 1, {{ size }}) in (select region_code from {{ ref('regions') }})
                then substr({{ column }}, 1, {{ size }})
        end,
        {%- endfor %}
        '{{ jurisdiction_code() }}'
    )
{%- endmacro %}

{#- Every measure of a party of J once per listed region it lies in (J, its city, its
    district ...) and once for the remainder of its nearest listed ancestor when that one has
    children. Parties outside J (or without a region) are not attributed. -#}
{% macro attribute_to_regions(relation, region_column='region_code') -%}
    {%- set code = 'attributed.' ~ region_column -%}
    {%- for size in region_levels() %}
    select
        attributed.*,
        listed.region_code as reporting_region_code
    from {{ relation }} as attributed
    inner join {{ ref('regions') }} as listed
        on listed.region_code = substr({{ code }}, 1, {{ size }})
        and length(listed.region_code) = {{ size }}
    where {{ is_jurisdiction_region(code) }}
        and length({{ code }}) >= {{ size }}

    union all
    {%- endfor %}

    select *
    from (
        select
            attributed.*,
            {{ remainder_prefix() }} || {{ nearest_listed_code(code) }} as reporting_region_code
        from {{ relation }} as attributed
        where {{ is_jurisdiction_region(code) }}
    ) as remainder
    where substr(remainder.reporting_region_code, 6) in {{ parent_region_codes() }}
{%- endmacro %}

{#- The region a counterparty is judged against for a row of `region` (PAT-04, TRN-03): the
    row's own region at city level or above, a district row against its city. -#}
{% macro counterparty_scope(region) -%}
    substr({{ region }}, 1, 4)
{%- endmacro %}

{#- How a party's own region code classifies for the region dimension: a listed region of J
    without children (its nearest listed ancestor), the remainder `rest:<code>` of a listed
    region with children, outside J, or unknown (no code). -#}
{% macro region_member_code(column) -%}
    case
        when {{ column }} is null or {{ column }} = '' then 'unknown'
        when not {{ is_jurisdiction_region(column) }} then 'outside'
        when {{ nearest_listed_code(column) }} in {{ parent_region_codes() }}
            then {{ remainder_prefix() }} || {{ nearest_listed_code(column) }}
        else {{ nearest_listed_code(column) }}
    end
{%- endmacro %}

{#- dim_region key of a party's own region code. -#}
{% macro region_key(column) -%}
    case
        when {{ column }} is null or {{ column }} = '' then {{ unknown_member_key() }}
        else {{ surrogate_key([region_member_code(column)]) }}
    end
{%- endmacro %}

{#- J's total as a SQL literal: the region of records that carry none (roadshows). -#}
{% macro jurisdiction_total() -%}
    '{{ jurisdiction_code() }}'
{%- endmacro %}

{#- The counterparty scopes J's rows use (PAT-04, TRN-03), by prefix length: a province's own
    row is judged against the province (2), every city and district row against its city (4). -#}
{% macro counterparty_scope_levels() -%}
    {{ return([2, 4] if jurisdiction_code() | length == 2 else [4]) }}
{%- endmacro %}

{#- The scope length a row of `region` (a reporting region or a remainder) is judged at. -#}
{% macro counterparty_scope_level(region) -%}
    least(length(replace({{ region }}, {{ remainder_prefix() }}, '')), 4)
{%- endmacro %}
