{#- The high-value reading in force: any one of the configured criteria (var
    high_value_criteria, from PATENTFLOW_HIGH_VALUE_CRITERIA) makes an invention patent
    high-value, so a four-criteria reading (without pledge) is a setting, not a code change.
    Each criterion is a meets_<criterion>_criterion column of int_patent_states_at_period_ends. -#}
{#- Every criterion there is (seeds/criteria.csv): a meets_<criterion>_criterion column each. -#}
{% macro high_value_criterion_codes() -%}
    {{ return(['sei', 'family', 'age', 'pledge', 'award']) }}
{%- endmacro %}

{% macro meets_high_value_criteria() -%}
    {%- set known = high_value_criterion_codes() -%}
    {%- set chosen = var('high_value_criteria') -%}
    {%- if chosen is string -%}{%- set chosen = chosen.split(',') -%}{%- endif -%}
    {%- if chosen | length == 0 -%}
        {{ exceptions.raise_compiler_error("high_value_criteria is empty") }}
    {%- endif -%}
    (
    {%- for criterion in chosen %}
        {%- if criterion not in known %}
            {{ exceptions.raise_compiler_error("unknown high-value criterion " ~ criterion ~ " (known: " ~ known | join(', ') ~ ")") }}
        {%- endif %}
        {% if not loop.first %}or {% endif %}meets_{{ criterion }}_criterion
    {%- endfor %}
    )
{%- endmacro %}
