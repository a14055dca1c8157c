-- record_cabinet_claims_gap_14d_proof: CT4's ops.v_cabinet_claims_gap_14d, as CT4 ships it (the
-- text below is CT4's, from ct4_real_schema.sql), takes each driver_id from
-- ops.v_cabinet_claims_expected_14d (CT4's claims table only adds columns): it shows no driver
-- that view does not (`passes_through`; the leak check settles that view first). Records that
-- proof for it (pg_temp.record_ct4_view_proof). Returns one row.
select pg_temp.record_ct4_view_proof(
    'ops.v_cabinet_claims_gap_14d',
    'passes_through',
    $definition$
 WITH expected_claims AS (
         SELECT v_cabinet_claims_expected_14d.lead_id,
            v_cabinet_claims_expected_14d.lead_source_pk,
            v_cabinet_claims_expected_14d.lead_date_canonico,
            v_cabinet_claims_expected_14d.week_start,
            v_cabinet_claims_expected_14d.person_key,
            v_cabinet_claims_expected_14d.driver_id,
            v_cabinet_claims_expected_14d.window_end_14d,
            v_cabinet_claims_expected_14d.milestone,
            v_cabinet_claims_expected_14d.trips_in_window,
            v_cabinet_claims_expected_14d.milestone_reached,
            v_cabinet_claims_expected_14d.claim_expected,
            v_cabinet_claims_expected_14d.amount_expected,
            v_cabinet_claims_expected_14d.expected_reason_detail
           FROM ops.v_cabinet_claims_expected_14d
        ), existing_claims AS (
         SELECT claims_yango_cabinet_14d.person_key AS person_key_uuid,
            claims_yango_cabinet_14d.lead_date,
            claims_yango_cabinet_14d.milestone,
            claims_yango_cabinet_14d.status,
            claims_yango_cabinet_14d.generated_at,
            claims_yango_cabinet_14d.paid_at
           FROM canon.claims_yango_cabinet_14d
          WHERE (claims_yango_cabinet_14d.status = ANY (ARRAY['expected'::public.claimstatus, 'generated'::public.claimstatus, 'paid'::public.claimstatus]))
        ), claims_gap AS (
         SELECT ec.lead_id,
            ec.lead_source_pk,
            ec.lead_date_canonico,
            ec.week_start,
            ec.person_key,
            ec.driver_id,
            ec.window_end_14d,
            ec.milestone,
            ec.trips_in_window,
            ec.milestone_reached,
            ec.claim_expected,
            ec.amount_expected,
            ec.expected_reason_detail,
            (exc.person_key_uuid IS NOT NULL) AS claim_exists,
                CASE
                    WHEN ((ec.claim_expected = true) AND (exc.person_key_uuid IS NULL)) THEN 'CLAIM_NOT_GENERATED'::text
                    WHEN ((ec.claim_expected = true) AND (exc.person_key_uuid IS NOT NULL)) THEN 'OK'::text
                    ELSE 'INVALID'::text
                END AS claim_status,
                CASE
                    WHEN ((ec.claim_expected = true) AND (exc.person_key_uuid IS NULL)) THEN 'CLAIM_NOT_GENERATED'::text
                    WHEN ((ec.claim_expected = true) AND (exc.person_key_uuid IS NOT NULL)) THEN 'OK'::text
                    WHEN (ec.expected_reason_detail = 'NO_IDENTITY'::text) THEN 'NO_IDENTITY'::text
                    WHEN (ec.expected_reason_detail = 'NO_DRIVER'::text) THEN 'NO_DRIVER'::text
                    WHEN (ec.expected_reason_detail = 'INSUFFICIENT_TRIPS'::text) THEN 'INSUFFICIENT_TRIPS'::text
                    ELSE 'OTHER'::text
                END AS gap_reason,
                CASE
                    WHEN ((ec.claim_expected = true) AND (exc.person_key_uuid IS NULL)) THEN 'Milestone alcanzado pero claim no generado en canon.claims_yango_cabinet_14d'::text
                    WHEN ((ec.claim_expected = true) AND (exc.person_key_uuid IS NOT NULL)) THEN 'Claim existe (OK)'::text
                    WHEN (ec.expected_reason_detail = 'NO_IDENTITY'::text) THEN 'Lead no tiene person_key en identity_links'::text
                    WHEN (ec.expected_reason_detail = 'NO_DRIVER'::text) THEN 'Lead tiene person_key pero no tiene driver_id'::text
                    WHEN (ec.expected_reason_detail = 'INSUFFICIENT_TRIPS'::text) THEN (((('Trips en ventana 14d ('::text || ec.trips_in_window) || ') < milestone ('::text) || ec.milestone) || ')'::text)
                    ELSE ('Razón desconocida: '::text || COALESCE(ec.expected_reason_detail, 'NULL'::text))
                END AS gap_detail
           FROM (expected_claims ec
             LEFT JOIN existing_claims exc ON ((((exc.person_key_uuid)::text = ec.person_key) AND (exc.lead_date = ec.lead_date_canonico) AND (exc.milestone = ec.milestone))))
        )
 SELECT lead_id,
    lead_source_pk,
    lead_date_canonico AS lead_date,
    week_start,
    person_key,
    driver_id,
    window_end_14d,
    milestone AS milestone_value,
    trips_in_window AS trips_14d,
    milestone_reached AS milestone_achieved,
    claim_expected,
    claim_exists,
    claim_status,
    gap_reason,
    gap_detail,
    amount_expected AS expected_amount
   FROM claims_gap
  WHERE (claim_status = 'CLAIM_NOT_GENERATED'::text)
  ORDER BY week_start DESC, lead_date_canonico DESC, milestone DESC
$definition$
)
