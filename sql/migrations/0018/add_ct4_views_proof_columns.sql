-- add_ct4_views_proof_columns: orphans.ct4_views.proof, how the leak check may prove one of CT4's
-- kept views by its definition instead of reading it (orphans.views_proven_by_definition, this
-- revision), and proof_definition_md5, the md5 (orphans.view_definition_md5) of the definition
-- CT4 ships for it, which that proof was made for: a view whose definition differs is read.
-- Returns nothing.
alter table orphans.ct4_views
add column if not exists proof text check (
    proof in ('excludes_quarantined', 'drivers_of_cabinet_leads', 'passes_through')
),
add column if not exists proof_definition_md5 text
