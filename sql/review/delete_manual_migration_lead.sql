-- delete_manual_migration_lead: remove module_ct_migrations row :lead_id that a review created
-- (an undo). Returns nothing.
delete from public.module_ct_migrations
where id = :lead_id
