"""The checksums of the SQL each landed Alembic revision runs: `sql/migrations/checksums.sha256`.

One line per file, in the order its revision runs them, in `sha256sum` format (so
`cd sql/migrations && sha256sum -c checksums.sha256` checks it by hand too). A landed revision
never changes: a database upgraded last year ran exactly these statements, so different SQL
under the same revision id would leave it, and every database built later, on two schemas.

`python -m orphans_pipeline_tests.migration_manifest` (`make freeze-migrations`) appends the
revisions not pinned yet, for instance after a merge brings new ones; it never rewrites a line.
"""

import hashlib
import sys
from pathlib import Path

from orphans_pipeline.core import schema, sql

MANIFEST = "migrations/checksums.sha256"


def manifest_path() -> Path:
    return sql.sql_dir() / MANIFEST


def checksum(name: str) -> str:
    """The sha256 of `sql/<name>.sql` as stored (bytes, so line endings count)."""
    return hashlib.sha256((sql.sql_dir() / f"{name}.sql").read_bytes()).hexdigest()


def revision_of(relative: str) -> str:
    """`0003/create_x.sql` -> `0003`."""
    return relative.split("/", 1)[0]


def read_manifest() -> dict[str, list[tuple[str, str]]]:
    """Pinned revisions -> [(file relative to sql/migrations, sha256)] in run order."""
    pinned: dict[str, list[tuple[str, str]]] = {}
    path = manifest_path()
    if not path.is_file():
        return pinned
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip() or line.startswith("#"):
            continue
        digest, _, relative = line.partition("  ")
        if len(digest) != 64 or not relative:
            raise ValueError(f"{path}:{number}: not a `sha256  file` line: {line!r}")
        pinned.setdefault(revision_of(relative), []).append((relative, digest))
    return pinned


def current_lines(revision: str, files: tuple[str, ...]) -> list[tuple[str, str]]:
    """What the manifest would hold for `revision` running `files` as they are now."""
    prefix = "migrations/"
    return [(name.removeprefix(prefix) + ".sql", checksum(name)) for name in files]


def freeze() -> list[str]:
    """Append the revisions that are not pinned yet; return their ids."""
    pinned = read_manifest()
    added: list[str] = []
    lines: list[str] = []
    for revision, files in schema.revision_files().items():
        if revision in pinned:
            continue
        lines += [f"{digest}  {relative}" for relative, digest in current_lines(revision, files)]
        added.append(revision)
    if lines:
        path = manifest_path()
        existing = path.read_text(encoding="utf-8") if path.is_file() else ""
        path.write_text(existing + "\n".join(lines) + "\n", encoding="utf-8")
    return added


def main() -> int:
    added = freeze()
    print(f"pinned revision(s) {', '.join(added)}" if added else "every revision is pinned")
    return 0


if __name__ == "__main__":
    sys.exit(main())
