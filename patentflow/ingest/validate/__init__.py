"""The source contract as code: enumerations, per-entity field rules, and the column-wise engine
that types good records and gives every bad one a reason code."""
