{#- Which patent counts in which stock indicator at a reporting D: the one place these rules
    are written. int_patent_states_at_period_ends evaluates every rule once per patent and D
    (a boolean column named after the rule); the stock indicator families sum those columns and
    marts.fct_indicator_stock_contributions lists the patents they are true for, so the published
    stock values and the patents listed for them cannot follow different rules.

    A rule: `flag` (the column), `when` (over the state's columns), the indicator and `role` it
    feeds (value, numerator, denominator), the party whose region the row follows (`owner` on D,
    or the first `applicant`), the record that is listed (`patent`, or the patent's latest
    `inventory_return` on D), and `scope`: the counterparty scope level of the rows it feeds
    (PAT-04: a province's own row judges conversions against the province, every other row
    against its city; none: every row). PAT-03's numerator is PAT-02's value. -#}
{% macro stock_indicator_rules() -%}
    {%- set owner_univ = 'first_owner_is_jinan_univ_inst' -%}
    {%- set applicant_univ = 'is_invention and first_applicant_is_jinan_univ_inst' -%}
    {%- set high_value = 'is_invention and first_owner_is_jinan and is_high_value' -%}
    {{ return([
        {'flag': 'counts_in_pat_01', 'when': 'is_invention and first_owner_is_jinan',
         'feeds': [('PAT-01', 'value')], 'party': 'owner', 'record': 'patent'},
        {'flag': 'counts_in_pat_02', 'when': high_value,
         'feeds': [('PAT-02', 'value'), ('PAT-03', 'numerator')], 'party': 'owner',
         'record': 'patent'},
        {'flag': 'counts_in_pat_04', 'when': high_value ~ ' and has_city_conversion',
         'feeds': [('PAT-04', 'value')], 'party': 'owner', 'record': 'patent', 'scope': 4},
        {'flag': 'counts_in_pat_04_province', 'when': high_value ~ ' and has_jinan_conversion',
         'feeds': [('PAT-04', 'value')], 'party': 'owner', 'record': 'patent', 'scope': 2},
        {'flag': 'counts_in_uni_01_numerator', 'when': applicant_univ ~ ' and has_conversion',
         'feeds': [('UNI-01', 'numerator')], 'party': 'applicant', 'record': 'patent'},
        {'flag': 'counts_in_uni_01_denominator', 'when': applicant_univ,
         'feeds': [('UNI-01', 'denominator')], 'party': 'applicant', 'record': 'patent'},
        {'flag': 'counts_in_uni_02_numerator',
         'when': owner_univ ~ ' and has_inventory_return and latest_return_industrialized',
         'feeds': [('UNI-02', 'numerator')], 'party': 'owner', 'record': 'inventory_return'},
        {'flag': 'counts_in_uni_02_denominator', 'when': owner_univ ~ ' and has_inventory_return',
         'feeds': [('UNI-02', 'denominator'), ('UNI-03', 'numerator')], 'party': 'owner',
         'record': 'inventory_return'},
        {'flag': 'counts_in_uni_03_denominator', 'when': owner_univ,
         'feeds': [('UNI-03', 'denominator')], 'party': 'owner', 'record': 'patent'},
        {'flag': 'counts_in_uni_04', 'when': owner_univ ~ ' and is_under_open_licence',
         'feeds': [('UNI-04', 'value')], 'party': 'owner', 'record': 'patent'},
        {'flag': 'counts_in_uni_06',
         'when': 'first_owner_is_jinan and has_fiscal_funding'
             ~ ' and granted_before_unexploited_window and not has_conversion',
         'feeds': [('UNI-06', 'value')], 'party': 'owner', 'record': 'patent'},
    ]) }}
{%- endmacro %}

{#- `sum(case when <flag> ...)`: how many patents of a group a rule counts. -#}
{% macro count_flagged(flag) -%}
    sum(case when {{ flag }} then 1 else 0 end)
{%- endmacro %}
