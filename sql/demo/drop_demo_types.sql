-- drop_demo_types: remove the enums of a demo or test database. Returns nothing.
drop type if exists orphan_status, orphan_detected_reason, confidencelevel cascade
