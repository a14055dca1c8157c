"""The Dagster layer over the plain core, holding no SQL and no rule of its own: the CT4 resource
(resources), the assets of the flow, each registering what its core step returns as metadata
(assets: detect, classify, then one step that applies the links and quarantine and writes the
reports, then the views' refresh), the asset checks (checks), the jobs (jobs, review), the
launch the CLI and the API use (launch), the weekly schedule and the alert sensors."""
