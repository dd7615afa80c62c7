"""Exit 0 when the PostgreSQL server named by DATABASE_URL accepts connections, 1 otherwise."""

import os
import sys

import dj_database_url
import psycopg


def main() -> int:
    config = dj_database_url.parse(os.environ["DATABASE_URL"])
    try:
        psycopg.connect(
            host=config["HOST"] or "127.0.0.1",
            port=config["PORT"] or 5432,
            user=config["USER"] or None,
            password=config["PASSWORD"] or None,
            dbname="postgres",
            connect_timeout=3,
        ).close()
    except psycopg.Error as exc:
        print(f"PostgreSQL not reachable: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
