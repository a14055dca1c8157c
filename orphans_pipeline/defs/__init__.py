"""The thin Dagster layer: each asset opens the CT4 database from a resource, calls one core
function and returns its counts as metadata."""
