"""Every SQL name the code uses has its file, and every file of sql/ is used by the code: a
rename, a typo or a file left behind fails here rather than at run time."""

import ast
import re
from pathlib import Path

from orphans_pipeline.core import sql

PACKAGE = Path(__file__).resolve().parents[1] / "orphans_pipeline"


def sql_files() -> set[str]:
    root = sql.sql_dir()
    return {str(path.relative_to(root).with_suffix("")) for path in root.rglob("*.sql")}


def names_in_code() -> dict[str, list[str]]:
    """Every string literal of the package shaped like `<sql folder>/<name>` -> where it is."""
    folders = "|".join(path.name for path in sql.sql_dir().iterdir() if path.is_dir())
    shape = re.compile(rf"^(?:{folders})(?:/[a-z0-9_]+)+$")
    found: dict[str, list[str]] = {}
    for module in sorted(PACKAGE.rglob("*.py")):
        for node in ast.walk(ast.parse(module.read_text(encoding="utf-8"))):
            is_text = isinstance(node, ast.Constant) and isinstance(node.value, str)
            if is_text and shape.match(node.value):
                where = f"{module.relative_to(PACKAGE.parent)}:{node.lineno}"
                found.setdefault(node.value, []).append(where)
    return found


def test_every_sql_name_in_the_code_has_its_file() -> None:
    files = sql_files()
    missing = {name: where for name, where in names_in_code().items() if name not in files}
    assert not missing, f"SQL names with no sql/<name>.sql: {missing}"


def test_every_sql_file_is_used_by_the_code() -> None:
    unused = sorted(sql_files() - set(names_in_code()))
    assert not unused, f"sql/ files that no code runs (remove them, or run them): {unused}"


def test_the_names_are_found_at_all() -> None:
    """Both checks above see the code: the scan finds the pipeline's and the migrations' names."""
    names = names_in_code()
    assert "pipeline/detect_orphans" in names
    assert "migrations/0003/create_driver_orphans_view" in names
    assert len(names) == len(sql_files())
