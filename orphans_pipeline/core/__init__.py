"""The plain Python + SQL core: no Dagster import here.

The Dagster layer, the CLI, the HTTP API and the tests all call these modules, so every rule of
the domain contract lives in exactly one place (a `sql/` file and the function named after it).
"""
