-- record_cabinet_funnel_status_proof: CT4's ops.v_cabinet_funnel_status, as CT4 ships it (the
-- text below is CT4's, from ct4_real_schema.sql), leaves quarantined drivers out by its own
-- filter, and takes its drivers from CT4's driver links (canon.identity_links) and from the
-- views it reads (the leak check settles those first): it can show an excluded driver only if
-- one of those views does, or if a purged driver has a driver link again
-- (`excludes_quarantined`). Records that proof for it (pg_temp.record_ct4_view_proof). Returns
-- one row.
select pg_temp.record_ct4_view_proof(
    'ops.v_cabinet_funnel_status',
    'excludes_quarantined',
    $definition$
 WITH driver_identity AS (
         SELECT DISTINCT ON (il.source_pk) il.source_pk AS driver_id,
            il.person_key
           FROM canon.identity_links il
          WHERE (((il.source_table)::text = 'drivers'::text) AND (il.source_pk IS NOT NULL) AND (NOT ((il.source_pk)::text IN ( SELECT driver_orphan_quarantine.driver_id
                   FROM canon.driver_orphan_quarantine
                  WHERE (driver_orphan_quarantine.status = 'quarantined'::public.orphan_status)))))
          ORDER BY il.source_pk, il.linked_at DESC
        ), driver_origin AS (
         SELECT DISTINCT ON (pc.driver_id) pc.driver_id,
            COALESCE(max(
                CASE
                    WHEN (pc.origin_tag = 'cabinet'::text) THEN 'cabinet'::text
                    ELSE NULL::text
                END), max(
                CASE
                    WHEN (pc.origin_tag = 'fleet_migration'::text) THEN 'fleet_migration'::text
                    ELSE NULL::text
                END), 'unknown'::text) AS origin_tag
           FROM ops.v_payment_calculation pc
          WHERE (pc.driver_id IS NOT NULL)
          GROUP BY pc.driver_id
        ), driver_connection AS (
         SELECT DISTINCT ON (vcm.driver_id) vcm.driver_id,
            vcm.first_connection_date,
            vcm.trips_30d AS trips_total
           FROM observational.v_conversion_metrics vcm
          WHERE (vcm.driver_id IS NOT NULL)
          ORDER BY vcm.driver_id, vcm.lead_date DESC
        ), driver_milestones AS (
         SELECT m.driver_id,
            bool_or(((m.milestone_value = 1) AND (m.achieved_flag = true))) AS m1_achieved,
            min(
                CASE
                    WHEN ((m.milestone_value = 1) AND (m.achieved_flag = true)) THEN m.achieved_date
                    ELSE NULL::date
                END) AS m1_date,
            bool_or(((m.milestone_value = 5) AND (m.achieved_flag = true))) AS m5_achieved,
            min(
                CASE
                    WHEN ((m.milestone_value = 5) AND (m.achieved_flag = true)) THEN m.achieved_date
                    ELSE NULL::date
                END) AS m5_date,
            bool_or(((m.milestone_value = 25) AND (m.achieved_flag = true))) AS m25_achieved,
            min(
                CASE
                    WHEN ((m.milestone_value = 25) AND (m.achieved_flag = true)) THEN m.achieved_date
                    ELSE NULL::date
                END) AS m25_date,
            max(
                CASE
                    WHEN ((m.milestone_value = 25) AND (m.achieved_flag = true)) THEN 25
                    WHEN ((m.milestone_value = 5) AND (m.achieved_flag = true)) THEN 5
                    WHEN ((m.milestone_value = 1) AND (m.achieved_flag = true)) THEN 1
                    ELSE 0
                END) AS highest_milestone
           FROM ops.v_cabinet_milestones_achieved_from_trips m
          GROUP BY m.driver_id
        ), all_drivers AS (
         SELECT DISTINCT combined.driver_id
           FROM ( SELECT driver_identity.driver_id
                   FROM driver_identity
                UNION
                 SELECT driver_origin.driver_id
                   FROM driver_origin
                UNION
                 SELECT driver_connection.driver_id
                   FROM driver_connection
                UNION
                 SELECT driver_milestones.driver_id
                   FROM driver_milestones) combined
          WHERE (NOT ((combined.driver_id)::text IN ( SELECT driver_orphan_quarantine.driver_id
                   FROM canon.driver_orphan_quarantine
                  WHERE (driver_orphan_quarantine.status = 'quarantined'::public.orphan_status))))
        )
 SELECT ad.driver_id,
    di.person_key,
    COALESCE(dor.origin_tag, 'unknown'::text) AS origin_tag,
        CASE
            WHEN (di.person_key IS NULL) THEN 'registered_incomplete'::text
            WHEN ((di.person_key IS NOT NULL) AND (dc.first_connection_date IS NULL)) THEN 'registered_complete'::text
            WHEN ((dc.first_connection_date IS NOT NULL) AND (COALESCE(dc.trips_total, (0)::bigint) = 0)) THEN 'connected_no_trips'::text
            WHEN (dm.m25_achieved = true) THEN 'reached_m25'::text
            WHEN (dm.m5_achieved = true) THEN 'reached_m5'::text
            WHEN (dm.m1_achieved = true) THEN 'reached_m1'::text
            ELSE 'connected_no_trips'::text
        END AS funnel_status,
    (dc.first_connection_date IS NOT NULL) AS connected_flag,
    dc.first_connection_date AS connected_date,
    COALESCE(dc.trips_total, (0)::bigint) AS trips_total,
    COALESCE(dm.highest_milestone, 0) AS highest_milestone,
    dm.m1_date,
    dm.m5_date,
    dm.m25_date
   FROM ((((all_drivers ad
     LEFT JOIN driver_identity di ON (((di.driver_id)::text = (ad.driver_id)::text)))
     LEFT JOIN driver_origin dor ON (((dor.driver_id)::text = (ad.driver_id)::text)))
     LEFT JOIN driver_connection dc ON (((dc.driver_id)::text = (ad.driver_id)::text)))
     LEFT JOIN driver_milestones dm ON (((dm.driver_id)::text = (ad.driver_id)::text)))
$definition$
)
