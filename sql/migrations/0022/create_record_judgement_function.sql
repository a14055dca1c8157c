-- create_record_judgement_function: orphans.record_judgement(run_id), revision 0021's function
-- (the last write of a running execute: the events each row it left quarantined was judged
-- with, the watermark moved, the change log pruned), except that an event's second key
-- (alt_source_pk, a scouting row's CT4 key, by which a change to that row's links finds the
-- rows judged with it) is kept only for a scouting row that exists. Every other event, a
-- migration's or one whose scouting row is gone, was given the key of a row of nulls (30,000
-- of 50,000 judged events at 1,000,000 drivers shared it): a link of a row with that key sent
-- every one of its table to be judged again, and computing it for each cost 0.1 s.
-- Returns bigint: the judged events kept.
create or replace function orphans.record_judgement(p_run_id text)
returns bigint
language sql
volatile
security definer
set search_path = pg_catalog, pg_temp
begin atomic
    select orphans.require_run(p_run_id, true);
    select orphans.require_pipeline_lock();
    delete from orphans.judged_events as judged
    where judged.driver_id in (
        select candidate.driver_id
        from orphans.run_candidates as candidate
        where candidate.run_id = p_run_id
    )
    or (
        exists (
            select 1
            from orphans.runs as run
            where run.run_id = p_run_id
                and run.scope = 'full'
                and run.row_limit is null
        )
        and not exists (
            select 1
            from canon.driver_orphan_quarantine as quarantine
            where quarantine.driver_id = judged.driver_id
                and quarantine.status = 'quarantined'
        )
    );
    with kept as (
        insert into orphans.judged_events (
            driver_id,
            event_id,
            source_table,
            source_pk,
            alt_source_pk
        )
        select
            event.driver_id,
            event.event_id,
            event.source_table,
            event.source_pk,
            -- Only a scouting row that exists has a second key.
            case
                when scouting.id is not null then orphans.scouting_source_key(
                    scouting.scout_id,
                    scouting.driver_phone,
                    scouting.driver_license,
                    scouting.registration_date::date
                )
            end
        from orphans.run_events as event
        inner join orphans.run_outcomes as outcome
            on outcome.run_id = event.run_id
            and outcome.driver_id = event.driver_id
        left join public.module_ct_scouting_daily as scouting
            on event.source_table = 'module_ct_scouting_daily'
            and scouting.id = orphans.source_pk_id(event.source_pk)
        where event.run_id = p_run_id
            and outcome.status = 'quarantined'
        order by event.driver_id, event.event_id
        on conflict (driver_id, event_id) do nothing
        returning 1
    ),

    judged_run as (
        select
            run.run_id,
            run.scope,
            run.judged_snapshot::pg_snapshot as judged_snapshot,
            run.rules_revision
        from orphans.runs as run
        where run.run_id = p_run_id
            and run.row_limit is null
            and run.judged_snapshot is not null
    ),

    moved as (
        insert into orphans.judgement_watermark as watermark (
            singleton,
            judged_snapshot,
            rules_revision,
            run_id,
            judged_at,
            full_run_id,
            full_at
        )
        select
            true,
            judged_run.judged_snapshot,
            judged_run.rules_revision,
            judged_run.run_id,
            now(),
            case when judged_run.scope = 'full' then judged_run.run_id end,
            case when judged_run.scope = 'full' then now() end
        from judged_run
        on conflict (singleton) do update
        set
            judged_snapshot = excluded.judged_snapshot,
            rules_revision = excluded.rules_revision,
            run_id = excluded.run_id,
            judged_at = excluded.judged_at,
            full_run_id = coalesce(excluded.full_run_id, watermark.full_run_id),
            full_at = coalesce(excluded.full_at, watermark.full_at)
        returning 1
    ),

    consumed as (
        delete from orphans.changed_keys as change
        using judged_run
        where change.xid = pg_current_xact_id_if_assigned()
            or (
                change.xid < pg_snapshot_xmax(judged_run.judged_snapshot)
                and pg_visible_in_snapshot(change.xid, judged_run.judged_snapshot)
            )
        returning 1
    )

    -- The watermark and the log's pruning are data-modifying CTEs: they run whether read or not.
    select count(*) from kept;
end
