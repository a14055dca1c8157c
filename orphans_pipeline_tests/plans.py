"""The plans of the statements the project's functions run (revision 0013 moved a run's and a
review's statements into SECURITY DEFINER functions, which EXPLAIN shows only as a call):
auto_explain, loaded in the test's session, sends every nested statement's plan back as a
notice."""

from typing import Any

from sqlalchemy import Connection, text


def nested_plans(conn: Connection, statement: str, params: dict[str, Any]) -> str:
    """Run `statement` on `conn` (the caller rolls back) and return the plans of every
    statement it ran, nested ones included, as auto_explain prints them."""
    notices: list[str] = []
    raw = conn.connection.driver_connection
    raw.add_notice_handler(lambda diagnostic: notices.append(diagnostic.message_primary or ""))
    for setting in (
        "load 'auto_explain'",
        "set local auto_explain.log_min_duration = 0",
        "set local auto_explain.log_nested_statements = on",
        "set local auto_explain.log_level = notice",
        "set local client_min_messages = notice",
    ):
        conn.execute(text(setting))
    conn.execute(text(statement), params)
    return "\n".join(notices)


def register_run(conn: Connection, run_id: str, mode: str = "execute") -> None:
    """A running run of `mode` in the registry, for a function that requires one (roll back)."""
    conn.execute(
        text(
            "insert into orphans.runs (run_id, mode, status) values (:run_id, :mode, 'running') "
            "on conflict (run_id) do update set status = 'running', mode = excluded.mode"
        ),
        {"run_id": run_id, "mode": mode},
    )
