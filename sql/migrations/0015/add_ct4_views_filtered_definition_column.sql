-- add_ct4_views_filtered_definition_column: orphans.ct4_views.filtered_definition_md5, the md5
-- of the definition a `filtered` view got from the project (as pg_get_viewdef prints it under
-- the search path pg_catalog, pg_temp), so the leak check can tell the filter is still there
-- without reading the view. Returns nothing.
alter table orphans.ct4_views add column if not exists filtered_definition_md5 text
