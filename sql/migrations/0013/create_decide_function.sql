-- create_decide_function: orphans.decide(action, driver_id, reviewer, notes, source_table,
-- source_pk), one review decision checked and written by the database (domain.md "Review
-- actions"), in the caller's transaction; called only by orphans.review_decisions (no role may
-- execute it). Each refusal names why: SQLSTATE OR404 (no quarantine row), OR409 (the data has
-- moved on: an undo whose rows are no longer the decision's) or OR400 (anything else).
--   relink: only a `quarantined` driver with a person; the lead row must exist and belong to
--     nobody else under any of its keys (a scouting row's id::text and its md5 key); a
--     MANUAL_RELINK link (unless the person already owns it) -> resolved_relinked.
--   create-lead: a module_ct_migrations row from public.drivers, its lead event and a
--     MANUAL_CREATED_LEAD link -> resolved_created_lead.
--   purge: only from `quarantined`; deletes the driver link, whose full content the history
--     keeps -> purged.
--   undo: only the driver's last transition, only when a reviewer's decision wrote it; deletes
--     only what that decision created (its MANUAL_* link of the driver's person, and for
--     create-lead that lead row and its event), each checked against what the decision recorded,
--     or restores the driver link a purge deleted; reports every row it deletes. Where the
--     deleted link was the person's last lead link, every other driver of that person that is
--     not quarantined or purged goes back to `quarantined` in the same transaction, with
--     history, so no orphan is left operational -> quarantined.
-- The actor is the reviewer, bound here for the history trigger. Returns jsonb: the outcome
-- (driver_id, action, reviewer, from_status, to_status, notes, details, history_id).
create or replace function orphans.decide(
    p_action text,
    p_driver_id text,
    p_reviewer text,
    p_notes text,
    p_source_table text,
    p_source_pk text
)
returns jsonb
language plpgsql
volatile
security definer
set search_path = pg_catalog, pg_temp
as $$
declare
    v_row record;
    v_last record;
    v_other record;
    v_to_status text;
    v_details jsonb := '{}'::jsonb;
    v_deleted_rows jsonb := '[]'::jsonb;
    v_requarantined jsonb := '[]'::jsonb;
    v_owners uuid[];
    v_decision text;
    v_found jsonb;
    v_expected_rule text;
    v_link_id bigint;
    v_lead_id bigint;
    v_event_id bigint;
    v_links regclass := pg_get_serial_sequence('canon.identity_links', 'id')::regclass;
begin
    select
        quarantine.driver_id,
        quarantine.person_key,
        quarantine.status::text as status
    into v_row
    from canon.driver_orphan_quarantine as quarantine
    where quarantine.driver_id = p_driver_id
    for update;
    if not found then
        raise exception 'driver % is not in the quarantine table', quote_literal(p_driver_id)
            using errcode = 'OR404';
    end if;

    if p_action = 'purge' and v_row.status <> 'quarantined' then
        raise exception 'purge refused: driver % is %; only a quarantined driver can be purged',
            quote_literal(p_driver_id), v_row.status
            using errcode = 'OR400';
    end if;
    if p_action in ('relink', 'create-lead') then
        if v_row.status <> 'quarantined' then
            raise exception '% refused: driver % is %, and reviews decide only quarantined drivers',
                p_action, quote_literal(p_driver_id), v_row.status
                using errcode = 'OR400';
        end if;
        if v_row.person_key is null then
            raise exception '% refused: driver % has no person in the registry',
                p_action, quote_literal(p_driver_id)
                using errcode = 'OR400';
        end if;
    end if;

    if p_action = 'relink' then
        if p_source_table is null or not (p_source_table = any (orphans.lead_tables())) then
            raise exception 'relink refused: % is not a lead table (%)',
                coalesce(quote_literal(p_source_table), 'NULL'),
                array_to_string(orphans.lead_tables(), ', ')
                using errcode = 'OR400';
        end if;
        if not coalesce(orphans.lead_row_exists(p_source_table, p_source_pk), false) then
            raise exception 'relink refused: lead row %/% does not exist', p_source_table, p_source_pk
                using errcode = 'OR400';
        end if;
        select array_agg(distinct owner_link.person_key order by owner_link.person_key)
        into v_owners
        from orphans.lead_row_links(p_source_table, p_source_pk) as owner_link;
        if v_owners is not null and not (v_owners <@ array[v_row.person_key]) then
            raise exception 'relink refused: lead %/% belongs to person %; a lead is never taken from its owner',
                p_source_table, p_source_pk,
                (select owner from unnest(v_owners) as owner where owner <> v_row.person_key limit 1)
                using errcode = 'OR400';
        end if;
        v_details := jsonb_build_object('source_table', p_source_table, 'source_pk', p_source_pk);
        if v_owners is null then
            insert into canon.identity_links (
                id, person_key, source_table, source_pk, snapshot_date, match_rule, match_score,
                confidence_level, evidence
            )
            values (
                orphans.next_id(v_links), v_row.person_key, p_source_table, p_source_pk, now(),
                'MANUAL_RELINK', 100, 'HIGH',
                jsonb_build_object(
                    'reviewer', p_reviewer, 'notes', p_notes, 'driver_id', p_driver_id
                )
            )
            returning id into v_link_id;
            v_details := v_details || jsonb_build_object('link_id', v_link_id);
        else
            v_details := v_details || jsonb_build_object('already_linked', true);
        end if;
        v_to_status := 'resolved_relinked';

    elsif p_action = 'create-lead' then
        insert into public.module_ct_migrations (
            id, driver_id, driver_name, hire_date, created_at, updated_at
        )
        select
            orphans.next_id(pg_get_serial_sequence('public.module_ct_migrations', 'id')::regclass),
            driver.driver_id,
            driver.full_name,
            driver.hire_date::date,
            now(),
            now()
        from public.drivers as driver
        where driver.driver_id = p_driver_id
        returning id into v_lead_id;
        if v_lead_id is null then
            raise exception 'create-lead refused: driver % is not in public.drivers, so there is nothing to build the lead from',
                quote_literal(p_driver_id)
                using errcode = 'OR400';
        end if;
        insert into observational.lead_events (
            id, source_table, source_pk, event_date, person_key, payload_json
        )
        values (
            orphans.next_id(pg_get_serial_sequence('observational.lead_events', 'id')::regclass),
            'module_ct_migrations',
            v_lead_id::text,
            current_date,
            v_row.person_key,
            jsonb_build_object(
                'driver_id', p_driver_id, 'created_by', p_reviewer, 'reason', 'manual_created_lead'
            )
        )
        returning id into v_event_id;
        insert into canon.identity_links (
            id, person_key, source_table, source_pk, snapshot_date, match_rule, match_score,
            confidence_level, evidence
        )
        values (
            orphans.next_id(v_links), v_row.person_key, 'module_ct_migrations', v_lead_id::text,
            now(), 'MANUAL_CREATED_LEAD', 100, 'HIGH',
            jsonb_build_object('reviewer', p_reviewer, 'notes', p_notes, 'driver_id', p_driver_id)
        )
        returning id into v_link_id;
        v_details := jsonb_build_object(
            'source_table', 'module_ct_migrations',
            'source_pk', v_lead_id::text,
            'lead_id', v_lead_id,
            'event_id', v_event_id,
            'link_id', v_link_id
        );
        v_to_status := 'resolved_created_lead';

    elsif p_action = 'purge' then
        delete from canon.identity_links as link
        where link.source_table = 'drivers'
            and link.source_pk = p_driver_id
        returning to_jsonb(link.*) into v_found;
        v_details := jsonb_build_object('deleted_driver_link', v_found);
        v_to_status := 'purged';

    elsif p_action = 'undo' then
        select history.id, history.actor, history.run_id, history.to_status::text as to_status,
            history.evidence
        into v_last
        from canon.driver_orphan_quarantine_history as history
        where history.driver_id = p_driver_id
        order by history.id desc
        limit 1;
        v_decision := v_last.evidence ->> 'action';
        if v_last.id is null or v_last.actor = 'pipeline' or v_last.run_id is not null
            or v_decision is null or v_decision not in ('relink', 'create-lead', 'purge')
        then
            raise exception 'undo refused: the last transition of driver % is not a review action (relink, create-lead or purge)',
                quote_literal(p_driver_id)
                using errcode = 'OR400';
        end if;
        if v_last.to_status <> v_row.status then
            raise exception 'undo refused: driver % is %, not % as its last transition says',
                quote_literal(p_driver_id), v_row.status, v_last.to_status
                using errcode = 'OR400';
        end if;
        v_details := jsonb_build_object('undoes_history_id', v_last.id, 'undone_action', v_decision);

        if v_decision in ('relink', 'create-lead') and v_last.evidence ? 'link_id' then
            v_expected_rule := case v_decision
                when 'relink' then 'MANUAL_RELINK' else 'MANUAL_CREATED_LEAD'
            end;
            select to_jsonb(link.*) into v_found
            from canon.identity_links as link
            where link.id = (v_last.evidence ->> 'link_id')::bigint
            for update;
            if v_found is not null then
                if v_found ->> 'match_rule' is distinct from v_expected_rule
                    or (v_found ->> 'person_key')::uuid is distinct from v_row.person_key
                    or v_found -> 'evidence' ->> 'driver_id' is distinct from p_driver_id
                    or v_found ->> 'source_table' is distinct from v_last.evidence ->> 'source_table'
                    or v_found ->> 'source_pk' is distinct from v_last.evidence ->> 'source_pk'
                then
                    raise exception 'undo refused: link % is not the % link that decision created for driver % (it is % %/% of person %); nothing was deleted',
                        v_found ->> 'id', v_expected_rule, quote_literal(p_driver_id),
                        v_found ->> 'match_rule', v_found ->> 'source_table',
                        v_found ->> 'source_pk', v_found ->> 'person_key'
                        using errcode = 'OR409';
                end if;
                delete from canon.identity_links where id = (v_found ->> 'id')::bigint;
                v_deleted_rows := v_deleted_rows || jsonb_build_array(
                    jsonb_build_object('table', 'canon.identity_links', 'row', v_found)
                );
                v_details := v_details || jsonb_build_object('deleted_link', v_found);
            end if;
        end if;

        if v_decision = 'create-lead' then
            select to_jsonb(event.*) into v_found
            from observational.lead_events as event
            where event.id = (v_last.evidence ->> 'event_id')::bigint
            for update;
            if v_found is not null then
                if v_found ->> 'source_table' <> 'module_ct_migrations'
                    or v_found ->> 'source_pk' is distinct from v_last.evidence ->> 'lead_id'
                    or (v_found ->> 'person_key')::uuid is distinct from v_row.person_key
                    or v_found -> 'payload_json' ->> 'driver_id' is distinct from p_driver_id
                    or v_found -> 'payload_json' ->> 'reason' is distinct from 'manual_created_lead'
                then
                    raise exception 'undo refused: lead event % is not the one that decision created for driver %; nothing was deleted',
                        v_found ->> 'id', quote_literal(p_driver_id)
                        using errcode = 'OR409';
                end if;
                delete from observational.lead_events where id = (v_found ->> 'id')::bigint;
                v_deleted_rows := v_deleted_rows || jsonb_build_array(
                    jsonb_build_object('table', 'observational.lead_events', 'row', v_found)
                );
            end if;
            select to_jsonb(lead.*) into v_found
            from public.module_ct_migrations as lead
            where lead.id = (v_last.evidence ->> 'lead_id')::bigint
            for update;
            if v_found is not null then
                if v_found ->> 'driver_id' is distinct from p_driver_id then
                    raise exception 'undo refused: migrations lead % is not the one that decision created for driver %; nothing was deleted',
                        v_found ->> 'id', quote_literal(p_driver_id)
                        using errcode = 'OR409';
                end if;
                if exists (
                    select 1
                    from canon.identity_links as link
                    where link.source_table = 'module_ct_migrations'
                        and link.source_pk = v_found ->> 'id'
                ) or exists (
                    select 1
                    from observational.lead_events as event
                    where event.source_table = 'module_ct_migrations'
                        and event.source_pk = v_found ->> 'id'
                ) then
                    raise exception 'undo refused: migrations lead % created for driver % is linked or named by an event since; decide what that means first, nothing was deleted',
                        v_found ->> 'id', quote_literal(p_driver_id)
                        using errcode = 'OR409';
                end if;
                delete from public.module_ct_migrations where id = (v_found ->> 'id')::bigint;
                v_deleted_rows := v_deleted_rows || jsonb_build_array(
                    jsonb_build_object('table', 'public.module_ct_migrations', 'row', v_found)
                );
            end if;
        end if;

        if v_decision = 'purge' and jsonb_typeof(v_last.evidence -> 'deleted_driver_link') = 'object'
        then
            v_found := v_last.evidence -> 'deleted_driver_link';
            if v_found ->> 'source_table' <> 'drivers'
                or v_found ->> 'source_pk' is distinct from p_driver_id
            then
                raise exception 'undo refused: the link that purge recorded is not the driver link of %',
                    quote_literal(p_driver_id)
                    using errcode = 'OR409';
            end if;
            select link.id, link.source_table, link.source_pk, link.person_key
            into v_other
            from canon.identity_links as link
            where (link.source_table = 'drivers' and link.source_pk = p_driver_id)
                or link.id = (v_found ->> 'id')::bigint
            order by link.id
            limit 1;
            if found then
                raise exception 'undo refused: the purged driver link of % cannot be restored: link % (%/%, person %) now holds its place, ingested since the purge. Decide what that link means first; the driver stays purged',
                    quote_literal(p_driver_id), v_other.id, v_other.source_table,
                    v_other.source_pk, v_other.person_key
                    using errcode = 'OR409';
            end if;
            insert into canon.identity_links
            select *
            from jsonb_populate_record(null::canon.identity_links, v_found)
            returning id into v_link_id;
            v_details := v_details || jsonb_build_object('restored_link_id', v_link_id);
        end if;
        v_to_status := 'quarantined';
    else
        raise exception 'unknown action %: use relink, create-lead, purge or undo',
            coalesce(quote_literal(p_action), 'NULL')
            using errcode = 'OR400';
    end if;

    -- An undo that took the person's last lead link away: its other drivers are orphans again.
    if p_action = 'undo' and v_row.person_key is not null and not exists (
        select 1 from orphans.lead_links as lead_link where lead_link.person_key = v_row.person_key
    ) then
        for v_other in
            select
                driver_link.source_pk as driver_id,
                driver_link.match_rule,
                driver_link.evidence,
                quarantine.status::text as status
            from canon.identity_links as driver_link
            left join canon.driver_orphan_quarantine as quarantine
                on quarantine.driver_id = driver_link.source_pk
            where driver_link.source_table = 'drivers'
                and driver_link.person_key = v_row.person_key
                and driver_link.source_pk <> p_driver_id
                and (quarantine.status is null or quarantine.status not in ('quarantined', 'purged'))
            order by driver_link.source_pk
            for update of driver_link
        loop
            perform
                set_config('orphans.actor', p_reviewer, true),
                set_config('orphans.run_id', '', true),
                set_config(
                    'orphans.notes',
                    format(
                        'back to quarantine: the undo of %s of driver %s took the last lead link of person %s',
                        v_decision, p_driver_id, v_row.person_key
                    ),
                    true
                ),
                set_config(
                    'orphans.evidence',
                    jsonb_build_object(
                        'action', 'undo',
                        'requarantined_by_undo_of', p_driver_id,
                        'undoes_history_id', v_last.id
                    )::text,
                    true
                );
            if v_other.status is null then
                perform orphans.insert_quarantine_row(
                    v_other.driver_id,
                    v_row.person_key,
                    'manual_detection',
                    v_other.match_rule,
                    jsonb_build_object(
                        'driver_link', jsonb_build_object(
                            'match_rule', v_other.match_rule, 'evidence', v_other.evidence
                        ),
                        'requarantined_by_undo_of', p_driver_id
                    )
                );
            else
                perform orphans.move_quarantine_row(v_other.driver_id, 'quarantined', null);
            end if;
            v_requarantined := v_requarantined || to_jsonb(v_other.driver_id);
        end loop;
        if jsonb_array_length(v_requarantined) > 0 then
            v_details := v_details || jsonb_build_object('requarantined', v_requarantined);
        end if;
    end if;
    if jsonb_array_length(v_deleted_rows) > 0 then
        v_details := v_details || jsonb_build_object('deleted_rows', v_deleted_rows);
    end if;

    perform
        set_config('orphans.actor', p_reviewer, true),
        set_config('orphans.run_id', '', true),
        set_config('orphans.notes', coalesce(p_notes, ''), true),
        set_config(
            'orphans.evidence', (jsonb_build_object('action', p_action) || v_details)::text, true
        );
    perform orphans.move_quarantine_row(
        p_driver_id,
        v_to_status,
        case
            when v_to_status <> 'quarantined'
                then format('%s by %s: %s', p_action, p_reviewer, coalesce(p_notes, ''))
        end
    );
    return jsonb_build_object(
        'driver_id', p_driver_id,
        'action', p_action,
        'reviewer', p_reviewer,
        'from_status', v_row.status,
        'to_status', v_to_status,
        'notes', coalesce(p_notes, ''),
        'details', v_details,
        'history_id', (
            select max(history.id)
            from canon.driver_orphan_quarantine_history as history
            where history.driver_id = p_driver_id
        )
    );
end
$$
