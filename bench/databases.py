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
