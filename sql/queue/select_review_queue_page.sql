-- select_review_queue_page: one page of the review page's queue, orphans.v_driver_orphans filtered
-- by :status, :detected_reason and :driver_id (exact; each ignored when null) and by :search
-- (ignored when null): a driver id prefix, a name without digits (contained in the driver's or
-- the registry's full name, any case),
-- or a phone or license normalised as the rules do (orphans.normalize_phone / normalize_license),
-- found through the drivers' key indexes and the quarantine's id-prefix index.
-- Ordered by :sort: 'oldest' (detected_at ascending), 'newest' (descending) or 'driver_id';
-- ties by driver_id. Each row says whether its last transition is a review action that undo can
-- reverse (is_undoable, with last_action): not a run's (:pipeline_actor, or a run id), one of
-- :decisions, to the driver's current status (review.actions.undo's test). Returns one row per orphan on the page with the
-- filtered total; when the page lies past the end, one row with total only (driver_id null).
with search as (
    select
        nullif(trim(cast(:search as text)), '') as term,
        orphans.normalize_phone(cast(:search as text)) as phone_key,
        orphans.normalize_license(cast(:search as text)) as license_key
),

-- The pattern is built from the parameter itself (not from the search CTE), so the planner
-- sees a constant prefix and reads the prefix index as a range.
by_id_prefix as (
    select quarantine.driver_id
    from canon.driver_orphan_quarantine as quarantine
    where trim(cast(:search as text)) <> ''
        and quarantine.driver_id like replace(
            replace(replace(trim(cast(:search as text)), '\', '\\'), '%', '\%'), '_', '\_'
        ) || '%'
),

by_phone as (
    select driver.driver_id
    from public.drivers as driver
    inner join search
        on orphans.normalize_phone(driver.phone) = search.phone_key
),

by_license as (
    select driver.driver_id
    from public.drivers as driver
    inner join search
        on orphans.driver_license_key(driver.license_normalized_number, driver.license_number)
        = search.license_key
),

-- Names have no index: each queue row's driver and person are looked up by primary key, so
-- this reads the queue (not every driver or person) once, and only for a term without digits
-- (a name; ids, phones and licenses carry digits and have the indexed searches above).
by_name as (
    select quarantine.driver_id
    from canon.driver_orphan_quarantine as quarantine
    inner join search
        on search.term is not null
        and search.term !~ '[0-9]'
    where exists (
        select 1
        from public.drivers as driver
        where driver.driver_id = quarantine.driver_id
            and strpos(lower(driver.full_name), lower(search.term)) > 0
    )
        or exists (
            select 1
            from canon.identity_registry as registry
            where registry.person_key = quarantine.person_key
                and strpos(lower(registry.primary_full_name), lower(search.term)) > 0
        )
),

-- Materialized: computed once, then joined, rather than re-run for every quarantine row.
found as materialized (
    select by_id_prefix.driver_id from by_id_prefix
    union
    select by_phone.driver_id from by_phone
    union
    select by_license.driver_id from by_license
    union
    select by_name.driver_id from by_name
),

-- Without a search every quarantine row; with one, the rows it found (the first branch is
-- then a constant false).
searched as (
    select quarantine.driver_id
    from canon.driver_orphan_quarantine as quarantine
    where nullif(trim(cast(:search as text)), '') is null
    union all
    select found.driver_id
    from found
),

-- Filtered and paged on the quarantine table alone; the view's columns (a count per row among
-- them) are computed for the page's rows only.
filtered as (
    select
        quarantine.driver_id,
        quarantine.detected_at
    from searched
    inner join canon.driver_orphan_quarantine as quarantine
        on quarantine.driver_id = searched.driver_id
    where (cast(:status as text) is null or quarantine.status::text = cast(:status as text))
        and (cast(:driver_id as text) is null or quarantine.driver_id = cast(:driver_id as text))
        and (
            cast(:detected_reason as text) is null
            or quarantine.detected_reason::text = cast(:detected_reason as text)
        )
),

counted as (
    select count(*) as total
    from filtered
),

page as (
    select filtered.driver_id
    from filtered
    order by
        case when cast(:sort as text) = 'oldest' then filtered.detected_at end asc,
        case when cast(:sort as text) = 'newest' then filtered.detected_at end desc,
        filtered.driver_id
    limit :page_size offset :page_offset
)

select
    counted.total,
    orphan.*,
    last_change.action as last_action,
    coalesce(
        last_change.actor <> cast(:pipeline_actor as text)
        and last_change.run_id is null
        and last_change.action = any(cast(:decisions as text[]))
        and last_change.to_status = orphan.status,
        false
    ) as is_undoable
from counted
left join page
    on true
left join orphans.v_driver_orphans as orphan
    on orphan.driver_id = page.driver_id
left join lateral (
    select
        history.actor,
        history.run_id,
        history.to_status::text as to_status,
        history.evidence ->> 'action' as action
    from canon.driver_orphan_quarantine_history as history
    where history.driver_id = page.driver_id
    order by history.id desc
    limit 1
) as last_change
    on true
order by
    case when cast(:sort as text) = 'oldest' then orphan.detected_at end asc,
    case when cast(:sort as text) = 'newest' then orphan.detected_at end desc,
    orphan.driver_id
