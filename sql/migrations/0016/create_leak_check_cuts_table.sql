-- create_leak_check_cuts_table: orphans.leak_check_cuts, CT4's views the leak check's time
-- budget cut (not read in time), with the md5 of the definitions it could not read (its own
-- and those of the views it reads: orphans.view_closure_md5) and the budget it had: CT4's
-- ops.v_cabinet_funnel_status costs more than ten minutes at 1,000,000 drivers, so reading it
-- again in every execute only spends its budget to name it unverified again. Written by
-- orphans.record_leak_check_cuts; read by orphans.remembered_leak_check_cuts. Returns nothing.
create table if not exists orphans.leak_check_cuts (
    view_name text primary key,
    definition_md5 text not null,
    budget_seconds numeric not null,
    cut_at timestamptz not null default now()
)
