"""The Dagster layer over the plain core, holding no SQL and no rule of its own.

Each asset opens a connection from the `ct4` resource (resources), calls the core step it is
named for and records what that step returns as metadata (assets: detect, classify, then one
step that applies the links and the quarantine and writes the reports, then the views). Beside
them: the asset checks (checks), the jobs and their executor (jobs, review), the claims asset
(claims), the schedules, the alert sensors (alerts) and the dead-run sensor (reconcile). Runs
are launched from above this layer, by `orphans_pipeline.launch`.
"""
