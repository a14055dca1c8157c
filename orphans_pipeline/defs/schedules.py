import dagster as dg

from orphans_pipeline.defs.jobs import orphans_fix_job

DEFAULT_TIMEZONE = "America/Lima"


def orphans_weekly_schedule(timezone: str = DEFAULT_TIMEZONE) -> dg.ScheduleDefinition:
    return dg.ScheduleDefinition(
        name="orphans_weekly_schedule",
        job=orphans_fix_job,
        cron_schedule="0 2 * * 0",
        execution_timezone=timezone,
        run_config={"execute": True},
        default_status=dg.DefaultScheduleStatus.RUNNING,
        description=(
            f"Every Sunday at 02:00 ({timezone}): orphans_fix_job with execute = true, "
            "re-judging the quarantined rows whose inputs changed since the last execute."
        ),
    )


def orphans_full_sweep_monthly_schedule(
    timezone: str = DEFAULT_TIMEZONE,
) -> dg.ScheduleDefinition:
    # The safety net of the incremental runs: whatever the change log could miss (a trigger
    # switched off by an owner, a write with triggers disabled) is judged again once a month.
    # 04:00 on the 1st, after a Sunday's 02:00 run; the run queue runs one at a time anyway.
    return dg.ScheduleDefinition(
        name="orphans_full_sweep_monthly_schedule",
        job=orphans_fix_job,
        cron_schedule="0 4 1 * *",
        execution_timezone=timezone,
        run_config={"execute": True, "full": True},
        default_status=dg.DefaultScheduleStatus.RUNNING,
        description=(
            f"The 1st of every month at 04:00 ({timezone}): orphans_fix_job with execute = true "
            "and full = true, a full sweep re-judging every row still quarantined."
        ),
    )
