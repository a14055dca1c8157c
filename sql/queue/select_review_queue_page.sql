-- select_review_queue_page: one page of the review page's queue, ops.v_driver_orphans filtered
-- by :status, :detected_reason and :driver_id (exact; each ignored when null) and by :search
-- (ignored when null):
-- a driver id prefix, a name (contained in the driver's or the registry's full name, any case),
-- or a phone or license normalised as the rules do (orphans.normalize_phone / normalize_license),
-- found through the drivers' key indexes and the quarantine's id-prefix index.
-- Ordered by :sort: 'oldest' (detected_at ascending), 'newest' (descending) or 'driver_id';
-- ties by driver_id. Each row says whether its last transition is a review action that undo can
-- reverse (is_undoable, with last_action). Returns one row per orphan on the page with the
-- filtered total; when the page lies past the end, one row with total only (driver_id null).
with search as (
    select
        nullif(trim(cast(:search as text)), '') as term,
        orphans.normalize_phone(cast(:search as text)) as phone_key,
        orphans.normalize_license(cast(:search as text)) as license_key
),

by_id_prefix as (
    select quarantine.driver_id
    from canon.driver_orphan_quarantine as quarantine
    inner join search
        on search.term is not null
    where quarantine.driver_id like
        replace(replace(replace(search.term, '\', '\\'), '%', '\%'), '_', '\_') || '%'
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

-- Names have no index: this reads the queue's rows (not every driver) once.
by_name as (
    select quarantine.driver_id
    from canon.driver_orphan_quarantine as quarantine
    inner join search
        on search.term is not null
    left join public.drivers as driver
        on driver.driver_id = quarantine.driver_id
    left join canon.identity_registry as registry
        on registry.person_key = quarantine.person_key
    where strpos(lower(driver.full_name), lower(search.term)) > 0
        or strpos(lower(registry.primary_full_name), lower(search.term)) > 0
),

found as (
    select by_id_prefix.driver_id from by_id_prefix
    union
    select by_phone.driver_id from by_phone
    union
    select by_license.driver_id from by_license
    union
    select by_name.driver_id from by_name
),

filtered as (
    select orphan.*
    from ops.v_driver_orphans as orphan
    cross join search
    where (cast(:status as text) is null or orphan.status = cast(:status as text))
        and (cast(:driver_id as text) is null or orphan.driver_id = cast(:driver_id as text))
        and (
            cast(:detected_reason as text) is null
            or orphan.detected_reason = cast(:detected_reason as text)
        )
        and (
            search.term is null
            or exists (
                select 1
                from found
                where found.driver_id = orphan.driver_id
            )
        )
),

counted as (
    select count(*) as total
    from filtered
),

page as (
    select filtered.*
    from filtered
    order by
        case when cast(:sort as text) = 'oldest' then filtered.detected_at end asc,
        case when cast(:sort as text) = 'newest' then filtered.detected_at end desc,
        filtered.driver_id
    limit :page_size offset :page_offset
)

select
    counted.total,
    page.*,
    last_change.action as last_action,
    coalesce(
        last_change.actor <> 'pipeline'
        and last_change.action in ('relink', 'create-lead', 'purge')
        and last_change.to_status = page.status,
        false
    ) as is_undoable
from counted
left join page
    on true
left join lateral (
    select
        history.actor,
        history.to_status::text as to_status,
        history.evidence ->> 'action' as action
    from canon.driver_orphan_quarantine_history as history
    where history.driver_id = page.driver_id
    order by history.id desc
    limit 1
) as last_change
    on true
order by
    case when cast(:sort as text) = 'oldest' then page.detected_at end asc,
    case when cast(:sort as text) = 'newest' then page.detected_at end desc,
    page.driver_id
