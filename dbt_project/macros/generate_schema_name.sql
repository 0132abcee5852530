{#- Schemas are exactly the configured names (staging, intermediate, marts) so that the gate,
    the publisher and BI readers find them without knowing the target's default schema. -#}
{% macro generate_schema_name(custom_schema_name, node) -%}
    {%- if custom_schema_name is none -%}
        {{ target.schema }}
    {%- else -%}
        {{ custom_schema_name | trim }}
    {%- endif -%}
{%- endmacro %}
