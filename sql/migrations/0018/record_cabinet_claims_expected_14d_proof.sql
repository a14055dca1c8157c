-- record_cabinet_claims_expected_14d_proof: CT4's ops.v_cabinet_claims_expected_14d, as CT4
-- ships it (the text below is CT4's, from ct4_real_schema.sql), reads no view and takes each
-- driver_id from the driver link of a person who has a cabinet lead link: it can show an
-- excluded driver only if one has a driver link whose person has a cabinet lead link
-- (`drivers_of_cabinet_leads`). Records that proof for it (pg_temp.record_ct4_view_proof).
-- Returns one row.
select pg_temp.record_ct4_view_proof(
    'ops.v_cabinet_claims_expected_14d',
    'drivers_of_cabinet_leads',
    $definition$
 WITH leads_base AS (
         SELECT mcl.id AS lead_id,
            COALESCE((mcl.external_id)::text, (mcl.id)::text) AS lead_source_pk,
            (mcl.lead_created_at)::date AS lead_date_canonico,
            (date_trunc('week'::text, ((mcl.lead_created_at)::date)::timestamp with time zone))::date AS week_start
           FROM public.module_ct_cabinet_leads mcl
          WHERE (mcl.lead_created_at IS NOT NULL)
        ), leads_with_identity AS (
         SELECT DISTINCT ON (lb.lead_source_pk) lb.lead_id,
            lb.lead_source_pk,
            lb.lead_date_canonico,
            lb.week_start,
            il.person_key
           FROM (leads_base lb
             LEFT JOIN canon.identity_links il ON ((((il.source_table)::text = 'module_ct_cabinet_leads'::text) AND ((il.source_pk)::text = lb.lead_source_pk))))
          ORDER BY lb.lead_source_pk, il.linked_at DESC NULLS LAST
        ), leads_with_driver AS (
         SELECT DISTINCT ON (lwi.lead_source_pk) lwi.lead_id,
            lwi.lead_source_pk,
            lwi.lead_date_canonico,
            lwi.week_start,
            lwi.person_key,
            il_driver.source_pk AS driver_id
           FROM (leads_with_identity lwi
             LEFT JOIN canon.identity_links il_driver ON (((il_driver.person_key = lwi.person_key) AND ((il_driver.source_table)::text = 'drivers'::text))))
          ORDER BY lwi.lead_source_pk, il_driver.linked_at DESC NULLS LAST
        ), summary_daily_normalized AS (
         SELECT summary_daily.driver_id,
            to_date((summary_daily.date_file)::text, 'DD-MM-YYYY'::text) AS prod_date,
            summary_daily.count_orders_completed
           FROM public.summary_daily
          WHERE ((summary_daily.driver_id IS NOT NULL) AND (summary_daily.date_file IS NOT NULL) AND ((summary_daily.date_file)::text ~ '^\d{2}-\d{2}-\d{4}$'::text))
        ), trips_in_window_14d AS (
         SELECT lwd.lead_id,
            lwd.lead_source_pk,
            lwd.lead_date_canonico,
            lwd.week_start,
            lwd.person_key,
            lwd.driver_id,
            (lwd.lead_date_canonico + '14 days'::interval) AS window_end_14d,
            COALESCE(sum(sd.count_orders_completed), (0)::bigint) AS trips_in_window
           FROM (leads_with_driver lwd
             LEFT JOIN summary_daily_normalized sd ON ((((sd.driver_id)::text = (lwd.driver_id)::text) AND (sd.prod_date >= lwd.lead_date_canonico) AND (sd.prod_date < (lwd.lead_date_canonico + '14 days'::interval)))))
          GROUP BY lwd.lead_id, lwd.lead_source_pk, lwd.lead_date_canonico, lwd.week_start, lwd.person_key, lwd.driver_id
        ), milestones_expanded AS (
         SELECT tiw.lead_id,
            tiw.lead_source_pk,
            tiw.lead_date_canonico,
            tiw.week_start,
            tiw.person_key,
            tiw.driver_id,
            tiw.window_end_14d,
            tiw.trips_in_window,
            1 AS milestone,
            (25)::numeric(12,2) AS amount_expected
           FROM trips_in_window_14d tiw
        UNION ALL
         SELECT tiw.lead_id,
            tiw.lead_source_pk,
            tiw.lead_date_canonico,
            tiw.week_start,
            tiw.person_key,
            tiw.driver_id,
            tiw.window_end_14d,
            tiw.trips_in_window,
            5 AS milestone,
            (35)::numeric(12,2) AS amount_expected
           FROM trips_in_window_14d tiw
        UNION ALL
         SELECT tiw.lead_id,
            tiw.lead_source_pk,
            tiw.lead_date_canonico,
            tiw.week_start,
            tiw.person_key,
            tiw.driver_id,
            tiw.window_end_14d,
            tiw.trips_in_window,
            25 AS milestone,
            (100)::numeric(12,2) AS amount_expected
           FROM trips_in_window_14d tiw
        ), claims_expected AS (
         SELECT me.lead_id,
            me.lead_source_pk,
            me.lead_date_canonico,
            me.week_start,
            me.person_key,
            me.driver_id,
            me.window_end_14d,
            me.milestone,
            me.trips_in_window,
            me.amount_expected,
            (me.trips_in_window >= me.milestone) AS milestone_reached,
            ((me.trips_in_window >= me.milestone) AND (me.driver_id IS NOT NULL) AND (me.person_key IS NOT NULL)) AS claim_expected,
                CASE
                    WHEN (me.person_key IS NULL) THEN 'NO_IDENTITY'::text
                    WHEN (me.driver_id IS NULL) THEN 'NO_DRIVER'::text
                    WHEN (me.trips_in_window < me.milestone) THEN 'INSUFFICIENT_TRIPS'::text
                    WHEN ((me.trips_in_window >= me.milestone) AND (me.driver_id IS NOT NULL) AND (me.person_key IS NOT NULL)) THEN 'OK'::text
                    ELSE 'OTHER'::text
                END AS expected_reason_detail
           FROM milestones_expanded me
        )
 SELECT lead_id,
    lead_source_pk,
    lead_date_canonico,
    week_start,
    (person_key)::text AS person_key,
    driver_id,
    window_end_14d,
    milestone,
    trips_in_window,
    milestone_reached,
    claim_expected,
    amount_expected,
    expected_reason_detail
   FROM claims_expected
  ORDER BY week_start DESC, lead_date_canonico DESC, milestone DESC
$definition$
)
