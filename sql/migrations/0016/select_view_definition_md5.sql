-- select_view_definition_md5: the md5 of view :view_name's definition
-- (orphans.view_definition_md5), null when there is no such view. Returns one row:
-- definition_md5.
select orphans.view_definition_md5(:view_name) as definition_md5
