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
        description=f"Every Sunday at 02:00 ({timezone}): orphans_fix_job with execute = true.",
    )
