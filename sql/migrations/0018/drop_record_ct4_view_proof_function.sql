-- drop_record_ct4_view_proof_function: pg_temp.record_ct4_view_proof is this upgrade's only;
-- nothing of it stays in the session that ran the upgrade. Returns nothing.
drop function pg_temp.record_ct4_view_proof(text, text, text)
