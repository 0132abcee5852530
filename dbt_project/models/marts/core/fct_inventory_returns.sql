-- One row per stock-patent inventory return of the newest snapshot (patent, entry date).
-- reported_industry_chain is as returned; indicators always use the IPC-derived chain.
with

returns as (

    select * from {{ ref('int_inventory_returns_deduplicated') }}

),

patents as (

    select patent_key, application_no from {{ ref('dim_patent') }}

),

final as (

    select
        {{ surrogate_key(['returns.application_no', 'returns.entered_date']) }}
            as inventory_return_key,
        coalesce(patents.patent_key, {{ unknown_member_key() }}) as patent_key,
        returns.application_no,
        {{ date_key('returns.entered_date') }} as entered_date_key,
        returns.entered_date,
        returns.owner_uscc,
        returns.prospect,
        returns.is_industrialized,
        returns.reported_industry_chain,
        returns.snapshot_date,
        returns.source_system,
        returns.batch_id,
        returns.origin,
        returns.batch_row_number
    from returns
    left join patents
        on patents.application_no = returns.application_no

)

select * from final
