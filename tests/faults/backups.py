"""A backup of the test database with PostgreSQL's own tools, restored into a fresh database.

``pg_dump --format=custom`` of the whole database, the way the README's "Operating it" says to
take one, and ``pg_restore`` into a database created empty for the purpose (from template0)
and dropped afterwards, whatever happens. Every step is bounded in time.
"""

from __future__ import annotations

import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import psycopg

SECONDS = 60


def dump(url: str, into: Path) -> None:
    """Write a custom-format dump of the database at ``url`` to ``into``."""
    _run("pg_dump", "--format=custom", "--no-owner", "--no-privileges", f"--file={into}", url)


@contextmanager
def restored(backup: Path, *, next_to: str, name: str) -> Iterator[str]:
    """A new database ``name`` on the server of ``next_to``, holding ``backup``; its URL.

    Dropped when the block ends, even if restoring failed.
    """
    url = _with_database(next_to, name)
    with psycopg.connect(_with_database(next_to, "postgres"), autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.execute(f'CREATE DATABASE "{name}" TEMPLATE template0')
    try:
        _run("pg_restore", "--exit-on-error", "--no-owner", "--no-privileges", f"--dbname={url}",
             str(backup))  # fmt: skip
        yield url
    finally:
        with psycopg.connect(_with_database(next_to, "postgres"), autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _with_database(url: str, name: str) -> str:
    parts = urlsplit(url)
    return urlunsplit(parts._replace(path=f"/{name}"))


def _run(*argv: str) -> None:
    finished = subprocess.run(argv, capture_output=True, text=True, timeout=SECONDS, check=False)
    assert finished.returncode == 0, f"{argv[0]} failed: {finished.stderr[-2000:]}"
