"""Publication: immutable releases with an atomically switched `current`, the release registry
(list, diff, rollback, prune) and the PostgreSQL serving copy."""
