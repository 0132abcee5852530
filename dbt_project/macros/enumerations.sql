{#- The codes of an enumeration of the source contract that play a role in a rule (the in-force
    contract status, the cancelled pledge status, ...), from the enumerations seed: models name
    the role a rule needs, never the code. `role` may be one role or a list of roles. -#}
{% macro enumeration_codes(enumeration, role) -%}
    {%- set roles = [role] if role is string else role -%}
    (
        select enumerations.code
        from {{ ref('enumerations') }} as enumerations
        where enumerations.enumeration = '{{ enumeration }}'
            and enumerations.role in (
                {%- for item in roles %}'{{ item }}'{{ ", " if not loop.last }}{% endfor -%}
            )
    )
{%- endmacro %}

{#- True when the `;`-joined list holds a code of the given enumeration role (e.g. the patent IP
    type in 知识产权类型). -#}
{% macro list_has_role(column, enumeration, role) -%}
    exists (
        select 1
        from {{ ref('enumerations') }} as enumerations
        where enumerations.enumeration = '{{ enumeration }}'
            and enumerations.role = '{{ role }}'
            and (';' || coalesce({{ column }}, '') || ';') like ('%;' || enumerations.code || ';%')
    )
{%- endmacro %}

{#- The party types that make a party a university or research institute (party_types seed). -#}
{% macro univ_inst_party_types() -%}
    (
        select party_types.party_type
        from {{ ref('party_types') }} as party_types
        where party_types.is_univ_inst
    )
{%- endmacro %}
