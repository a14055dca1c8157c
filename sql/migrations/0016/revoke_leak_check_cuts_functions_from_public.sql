-- revoke_leak_check_cuts_functions_from_public: the two SECURITY DEFINER functions this revision
-- adds are executable only by whom `db grant` names (sql/grants), never by PUBLIC
-- (PostgreSQL's default for a new function). Returns nothing.
revoke execute on function
    orphans.remembered_leak_check_cuts(numeric, integer),
    orphans.record_leak_check_cuts(text[], text[], numeric)
from public
