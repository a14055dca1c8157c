-- create_next_id_function: orphans.next_id(sequence), the id of a row the project inserts:
-- the sequence's next value; or, while this transaction previews (orphans.preview = 'on', set
-- by orphans.review_decisions itself, whose preview writes never outlive the call), the value
-- the sequence would give next, counted on in the transaction without consuming it: a preview
-- shows the ids the execute would get and consumes no sequence value, CT4's or the project's.
-- Returns bigint.
create or replace function orphans.next_id(p_sequence regclass)
returns bigint
language plpgsql
volatile
security definer
set search_path = pg_catalog, pg_temp
as $$
declare
    v_counter text := 'orphans.preview_' || p_sequence::oid::text;
    v_taken bigint;
    v_last bigint;
    v_called boolean;
    v_increment bigint;
begin
    if current_setting('orphans.preview', true) is distinct from 'on' then
        return nextval(p_sequence);
    end if;
    v_taken := coalesce(nullif(current_setting(v_counter, true), ''), '0')::bigint + 1;
    perform set_config(v_counter, v_taken::text, true);
    execute format('select last_value, is_called from %s', p_sequence) into v_last, v_called;
    select sequence.seqincrement into v_increment
    from pg_catalog.pg_sequence as sequence
    where sequence.seqrelid = p_sequence;
    return v_last + v_increment * (v_taken - case when v_called then 0 else 1 end);
end
$$
