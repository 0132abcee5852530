-- Industry chain and SEI of every patent: its main IPC matched by longest prefix against the IPC
-- map. Candidate prefixes of each IPC are generated for the prefix lengths the map uses and
-- equi-joined, so a finer official concordance (tens of thousands of rows) stays a hash join.
with

patents as (

    select
        application_no,
        upper(ipc_main) as ipc_main
    from {{ ref('int_patents_deduplicated') }}

),

ipc_map as (

    select
        upper(replace(cast(ipc_prefix as varchar), ' ', '')) as ipc_prefix,
        cast(sei_code as varchar) as sei_code,
        cast(sei_name as varchar) as sei_name,
        nullif(trim(cast(industry_chain as varchar)), '') as industry_chain
    from {{ ref('ipc_industry_map') }}

),

prefix_lengths as (

    select distinct length(ipc_prefix) as prefix_length
    from ipc_map

),

candidate_prefixes as (

    select
        patents.application_no,
        prefix_lengths.prefix_length,
        substr(patents.ipc_main, 1, prefix_lengths.prefix_length) as ipc_prefix
    from patents
    inner join prefix_lengths
        on length(patents.ipc_main) >= prefix_lengths.prefix_length

),

ranked_matches as (

    select
        candidate_prefixes.application_no,
        ipc_map.ipc_prefix,
        ipc_map.sei_code,
        ipc_map.sei_name,
        ipc_map.industry_chain,
        row_number() over (
            partition by candidate_prefixes.application_no
            order by candidate_prefixes.prefix_length desc, ipc_map.sei_code
        ) as match_rank
    from candidate_prefixes
    inner join ipc_map
        on ipc_map.ipc_prefix = candidate_prefixes.ipc_prefix

),

final as (

    select
        patents.application_no,
        patents.ipc_main,
        best_match.ipc_prefix as matched_ipc_prefix,
        best_match.sei_code,
        best_match.sei_name,
        coalesce(best_match.industry_chain, 'other') as industry_chain
    from patents
    left join ranked_matches as best_match
        on best_match.application_no = patents.application_no
        and best_match.match_rank = 1

)

select * from final
