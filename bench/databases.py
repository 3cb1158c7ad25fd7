"""The benchmarks' own PostgreSQL databases: created fresh for a run and dropped after it."""


def fresh_pg_database(url: str, *, drop_only: bool = False) -> bool:
    """Drop the database ``url`` names and create it again (dead rows from a previous run skew a
    benchmark); ``drop_only`` just drops it. False when PostgreSQL (or psycopg) is not there."""
    try:
        import psycopg
    except ImportError:
        return False
    name = url.rsplit("/", 1)[-1]
    admin = url.rsplit("/", 1)[0] + "/postgres"
    try:
        with psycopg.connect(admin, autocommit=True, connect_timeout=3) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            if not drop_only:
                conn.execute(f'CREATE DATABASE "{name}"')
        return True
    except psycopg.OperationalError:
        return False


def settle_database(*, vacuum: bool = False) -> None:
    """Write out what the last phase dirtied, so that its checkpoint does not land in the middle of the
    next measured run. PostgreSQL: a CHECKPOINT, after a VACUUM ANALYZE with ``vacuum`` (the autovacuum a
    burst of writes calls for would otherwise run beside the next run); SQLite: a WAL checkpoint. Runs in
    a process with Django set up."""
    from django.db import DatabaseError, connection

    statements = ["PRAGMA wal_checkpoint(RESTART)"]
    if connection.vendor == "postgresql":
        statements = (["VACUUM ANALYZE"] if vacuum else []) + ["CHECKPOINT"]
    try:
        with connection.cursor() as cursor:
            for statement in statements:
                cursor.execute(statement)
    except DatabaseError:
        pass  # not a superuser (CHECKPOINT), or a reader holds the WAL: the measurements carry that noise
