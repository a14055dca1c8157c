-- create_demo_plan: a temporary table describing N = :drivers demo drivers, deterministic for
-- :seed (hashes of the row number, never random()). Out of every 100 drivers, 90 are healthy
-- and buckets 90-99 are one orphan case each:
--   90 L1 direct, 91 L1 nested (driver.id) or numeric (driverId as a JSON number),
--   92 L2 by license with formatting noise, 93 L2 by cabinet park_phone with noise and +51,
--   94 L3 only, 95 ambiguous (phone shared with a healthy driver of another person),
--   96 conflict (the lead row is linked to another person), 97 lead row missing,
--   98 no evidence (plus an event of a non-lead table naming it, which must be ignored),
--   99 previously quarantined: repairable now, released (gained a lead), still without
--      evidence, or purged (no driver link left).
-- Returns nothing.
create temporary table demo_plan on commit drop as
with numbered as (
    select
        i,
        i % 100 as bucket,
        (i / 100) % 4 as variant,
        abs(hashtextextended(i::text, :seed)) as h
    from generate_series(1, :drivers) as i
)

select
    i,
    bucket,
    variant,
    case
        when bucket < 90 then 'healthy'
        when bucket = 90 then 'l1_direct'
        when bucket = 91 and variant % 2 = 0 then 'l1_nested'
        when bucket = 91 then 'l1_numeric'
        when bucket = 92 then 'l2_license'
        when bucket = 93 then 'l2_phone'
        when bucket = 94 then 'l3_only'
        when bucket = 95 then 'ambiguous'
        when bucket = 96 then 'conflict'
        when bucket = 97 then 'lead_missing'
        when bucket = 98 then 'no_evidence'
        when variant = 0 then 'prior_repairable'
        when variant = 1 then 'prior_released'
        when variant = 2 then 'prior_kept'
        else 'prior_purged'
    end as kind,
    case
        when bucket = 91 and variant % 2 = 1 then (1000000000 + i)::text
        else 'drv_' || lpad(to_hex(i), 8, '0')
    end as driver_id,
    md5(cast(:seed as text) || '/person/' || i)::uuid as person_key,
    -- unique 9-digit mobile per driver: 7919 is coprime with 10^8, so this is a bijection
    '9' || lpad(((i::bigint * 7919) % 100000000)::text, 8, '0') as phone,
    'Q' || lpad(i::text, 8, '0') as license,
    case bucket % 3 when 0 then 'module_ct_cabinet_leads'
        when 1 then 'module_ct_scouting_daily'
        else 'module_ct_migrations'
    end as healthy_lead_table,
    date '2026-01-01' + (h % 300)::int as lead_date,
    (array['Ana', 'Luis', 'Rosa', 'Jorge', 'Maria', 'Carlos', 'Lucia', 'Pedro'])[1 + h % 8]
        || ' '
        || (array['Quispe', 'Flores', 'Huaman', 'Rojas', 'Vargas', 'Mamani', 'Torres'])[1 + (h / 8) % 7]
        as full_name,
    h
from numbered
