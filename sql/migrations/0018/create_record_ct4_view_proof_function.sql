-- create_record_ct4_view_proof_function: pg_temp.record_ct4_view_proof(view_name, proof,
-- definition), for this upgrade's session only: when `view_name` is one of CT4's views the project
-- kept (orphans.ct4_views), record `proof` and the md5 of `definition` (CT4's own text of that
-- view) as orphans.view_definition_md5 prints it, built as a temporary view on this database's
-- relations. A CT4 that lacks a relation or type that definition reads gets no md5: the leak
-- check then reads the view, whatever it is. Returns nothing.
create function pg_temp.record_ct4_view_proof(
    p_view_name text, p_proof text, p_definition text
)
returns void
language plpgsql
set search_path = pg_catalog, pg_temp
as $$
declare
    v_md5 text;
begin
    if not exists (
        select 1
        from orphans.ct4_views as ct4_view
        where ct4_view.view_name = p_view_name
            and ct4_view.handling = 'kept'
    ) then
        return;
    end if;
    begin
        execute 'create temporary view orphans_reference_view as ' || p_definition;
        v_md5 := orphans.view_definition_md5('pg_temp.orphans_reference_view');
        drop view pg_temp.orphans_reference_view;
    exception when syntax_error_or_access_rule_violation or data_exception then
        v_md5 := null;
    end;
    update orphans.ct4_views
    set proof = case when v_md5 is not null then p_proof end,
        proof_definition_md5 = v_md5
    where view_name = p_view_name;
end
$$
