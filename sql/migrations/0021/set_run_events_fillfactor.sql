-- set_run_events_fillfactor: orphans.run_events keeps half of each page free, so that the two
-- updates a run makes of its staged relations (flag_ambiguous_events' flags, judge_lead_events'
-- why) are heap-only: the new version of a row goes on its own page and its primary key is not
-- written again (the second of them rewrote 92,500 rows and their index entries, 0.9 s of a
-- first execute at 1,000,000 drivers). A work table, emptied after every run: its pages are
-- refilled at that setting from the next run on. Returns nothing.
alter table orphans.run_events set (fillfactor = 50)
