"""The API's routers, one per part of the runbook: the queue's reads (`orphans`), the fix runs
(`runs`) and the reviewers' actions (`reviews`). Each is built for the app's read dependency,
so the schema says truthfully whether reads need a token."""
