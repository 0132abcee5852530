-- UNI-01..04 and UNI-06: universities' and research institutes' patents at every reporting D.
-- UNI-01 follows the first applicant (breakdown owner_uscc= only for owners with patents in the
-- denominator); UNI-02..04 and UNI-06 follow the first owner on D. Who counts: the counts_in_*
-- rules of macros/indicator_stock_rules.sql. (UNI-05, a flow of OL03
-- events: int_indicators_open_licences.)
{%- set owner_stock = [
    ('UNI-02', 'null', 'uni_02_numerator', 'uni_02_denominator'),
    ('UNI-03', 'null', 'uni_03_numerator', 'uni_03_denominator'),
    ('UNI-04', 'uni_04_count', 'null', 'null'),
    ('UNI-06', 'uni_06_count', 'null', 'null'),
] %}
with

states as (

    select * from {{ ref('int_patent_states_at_period_ends') }}

),

owner_grouped as (

    select
        as_of_date,
        first_owner_region_code as region_code,
        industry_chain,
        first_owner_party_type as party_type,
        {{ count_flagged('counts_in_uni_02_denominator') }} as uni_02_denominator,
        {{ count_flagged('counts_in_uni_02_numerator') }} as uni_02_numerator,
        {{ count_flagged('counts_in_uni_03_denominator') }} as uni_03_denominator,
        {{ count_flagged('counts_in_uni_02_denominator') }} as uni_03_numerator,
        {{ count_flagged('counts_in_uni_04') }} as uni_04_count,
        {{ count_flagged('counts_in_uni_06') }} as uni_06_count
    from states
    where first_owner_is_jinan
    group by as_of_date, first_owner_region_code, industry_chain, first_owner_party_type

),

applicant_grouped as (

    select
        as_of_date,
        first_applicant_region_code as region_code,
        first_applicant_uscc as owner_uscc,
        {{ count_flagged('counts_in_uni_01_numerator') }} as converted_count,
        {{ count_flagged('counts_in_uni_01_denominator') }} as in_force_count
    from states
    where counts_in_uni_01_denominator
    group by as_of_date, first_applicant_region_code, first_applicant_uscc

),

stock_measures as (

    select
        {{ measure_columns('UNI-01', 'as_of_date', 'region_code', amount='null',
            numerator='converted_count', denominator='in_force_count') }}
    from applicant_grouped

    union all

    select
        {{ measure_columns('UNI-01', 'as_of_date', 'region_code',
            breakdown="'owner_uscc=' || owner_uscc", amount='null',
            numerator='converted_count', denominator='in_force_count') }}
    from applicant_grouped
    where owner_uscc is not null
        and in_force_count > 0

    {%- for indicator_id, amount, numerator, denominator in owner_stock %}

    union all

    select
        {{ measure_columns(indicator_id, 'as_of_date', 'region_code', amount=amount,
            numerator=numerator, denominator=denominator) }}
    from owner_grouped

    union all

    select
        {{ measure_columns(indicator_id, 'as_of_date', 'region_code',
            breakdown="'industry_chain=' || industry_chain", amount=amount,
            numerator=numerator, denominator=denominator) }}
    from owner_grouped

    union all

    select
        {{ measure_columns(indicator_id, 'as_of_date', 'region_code',
            breakdown="'party_type=' || party_type", amount=amount,
            numerator=numerator, denominator=denominator) }}
    from owner_grouped
    where party_type is not null
    {%- endfor %}

),

final as (

    {{ summarise_measures('stock_measures', 'at_end') }}

)

select * from final
