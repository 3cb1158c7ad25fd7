"""``INSERT … SELECT`` for the engine's set-based writes (the tick, imports, bulk enrollment).

One statement writes a row for each listed row of another table, copying the columns it hangs off
(an event's student and program from its enrollment) and binding the rest as constants. Building
a model instance per row for ``bulk_create`` costs several times the SQL itself (bench/tick.py,
bench/import.py). The same SQL runs on SQLite and PostgreSQL.
"""

from collections.abc import Callable, Iterable, Sequence

from django.db import InterfaceError, OperationalError, connection, models
from django.utils import timezone

# IN lists stay far below every backend's bound-parameter limit (SQLite: 32,766).
ID_BATCH = 5000


def insert_select(
    model: type[models.Model],
    *,
    source: type[models.Model],
    ids: Iterable[int],
    copy: dict[str, str],
    values: dict[str, object],
    where: Sequence[tuple[str, list]] = (),
) -> int:
    """Insert one ``model`` row per ``source`` row whose primary key is in ``ids``; returns how many.

    ``copy`` maps a field of ``model`` to the field of ``source`` it takes its value from;
    ``values`` maps the other fields to one value for every row (prepared as the field would
    prepare it); ``where`` adds conditions on the source row (SQL naming ``source`` columns, with
    their parameters). Call inside a transaction.
    """
    ids = list(ids)
    if not ids:
        return 0
    target_meta, source_meta = model._meta, source._meta
    columns, expressions, params = [], [], []
    for name, from_name in copy.items():
        columns.append(target_meta.get_field(name).column)
        expressions.append(source_meta.get_field(from_name).column)
    for name, value in values.items():
        field = target_meta.get_field(name)
        columns.append(field.column)
        # psycopg binds a JSON value as text: PostgreSQL wants the cast into jsonb spelled out.
        json = isinstance(field, models.JSONField) and connection.vendor == "postgresql"
        expressions.append("CAST(%s AS jsonb)" if json else "%s")
        params.append(field.get_db_prep_save(value, connection))
    conditions = "".join(f" AND ({sql})" for sql, _ in where)
    condition_params = [p for _, sql_params in where for p in sql_params]
    inserted = 0
    with connection.cursor() as cursor:
        for start in range(0, len(ids), ID_BATCH):
            batch = ids[start : start + ID_BATCH]
            # Table and column names come from model metadata; every value is a bound parameter.
            sql = (
                f"INSERT INTO {target_meta.db_table} ({', '.join(columns)}) "  # noqa: S608
                f"SELECT {', '.join(expressions)} FROM {source_meta.db_table} "
                f"WHERE {source_meta.pk.column} IN ({', '.join(['%s'] * len(batch))}){conditions}"
            )
            cursor.execute(sql, [*params, *batch, *condition_params])
            inserted += cursor.rowcount
    return inserted


# Fields whose Python value is already what the database driver takes (no per-row preparation).
_AS_IS = (models.CharField, models.TextField, models.BooleanField, models.IntegerField)


def insert_values(model: type[models.Model], *, rows: Sequence[dict], ignore_conflicts: bool = False) -> None:
    """Insert one ``model`` row per dict (field name → value; the field's default for the others),
    in one ``executemany``: the rows come from outside (a file), so there is nothing to select from.

    What ``bulk_create`` writes, without a model instance and a preparation per value: plain
    strings, booleans and integers go as they are, dates and ids are prepared once per distinct
    value, JSON once per row; ``auto_now`` fields get the time of the call. ``ignore_conflicts``: a row that
    breaks a unique constraint (someone created it meanwhile) is left out. Call inside a transaction.
    """
    if not rows:
        return
    fields = [f for f in model._meta.concrete_fields if not f.primary_key]
    constants = {
        field.name: field.get_db_prep_save(
            timezone.now() if getattr(field, "auto_now", False) else field.get_default(), connection
        )
        for field in fields
    }
    prepared: dict[tuple[str, object], object] = {}

    def prepare(field, value):
        if value is None or isinstance(field, _AS_IS):
            return value
        if isinstance(value, dict | list):  # JSON: one of its own per row
            return field.get_db_prep_save(value, connection)
        key = (field.name, value)
        if key not in prepared:
            prepared[key] = field.get_db_prep_save(value, connection)
        return prepared[key]

    params = []
    for row in rows:
        values = []
        for field in fields:
            if field.name in row and not getattr(field, "auto_now", False):
                values.append(prepare(field, row[field.name]))
            else:
                values.append(constants[field.name])
        params.append(values)
    table = model._meta.db_table
    columns = ", ".join(field.column for field in fields)
    placeholders = ", ".join(["%s"] * len(fields))
    conflict = " ON CONFLICT DO NOTHING" if ignore_conflicts else ""
    with connection.cursor() as cursor:
        # Table and column names come from model metadata; every value is a bound parameter.
        cursor.executemany(f"INSERT INTO {table} ({columns}) VALUES ({placeholders}){conflict}", params)  # noqa: S608


_INSERT_ONE_SQL: dict[tuple[str, str], tuple[list, str]] = {}


def insert_one(model: type[models.Model], values: dict, *, checks_connection: bool = False) -> int:
    """Insert one ``model`` row (field attname → value; the field's default for the others) and return its
    primary key, in one ``INSERT … RETURNING``: for a row written on a request's hot path, where the ORM's
    ``create()`` (a model instance, four signals, the SQL compiler) costs several times the statement.
    No save signal is sent: only for models nothing listens to. Outside a transaction it commits alone.

    ``checks_connection``: outside a transaction, the INSERT is the request's connection health check
    (``CONN_HEALTH_CHECKS``) instead of a ``SELECT 1`` round trip before it (see ``_checked_by_use``).
    Only for a row whose table has a unique key that makes writing it twice fail: when the connection
    breaks mid-statement, the INSERT may have committed before the answer was lost, and it runs again."""
    key = (model._meta.label, connection.vendor)
    if key not in _INSERT_ONE_SQL:
        fields = [f for f in model._meta.concrete_fields if not f.primary_key]
        # Table and column names come from model metadata; every value is a bound parameter.
        sql = (
            f"INSERT INTO {connection.ops.quote_name(model._meta.db_table)} "  # noqa: S608
            f"({', '.join(connection.ops.quote_name(f.column) for f in fields)}) "
            f"VALUES ({', '.join(['%s'] * len(fields))})"
        )
        if connection.features.can_return_columns_from_insert:
            sql += f" RETURNING {connection.ops.quote_name(model._meta.pk.column)}"
        _INSERT_ONE_SQL[key] = (fields, sql)
    fields, sql = _INSERT_ONE_SQL[key]
    unknown = set(values) - {f.attname for f in fields}
    if unknown:
        raise TypeError(f"{model.__name__} has no field {', '.join(sorted(unknown))}")
    params = []
    for field in fields:
        value = values[field.attname] if field.attname in values else field.get_default()
        as_is = value is None or isinstance(field, _AS_IS) and not field.is_relation
        params.append(value if as_is else field.get_db_prep_save(value, connection))

    def execute() -> int:
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            if connection.features.can_return_columns_from_insert:
                return cursor.fetchone()[0]
            return cursor.lastrowid

    return _checked_by_use(execute) if checks_connection else execute()


def _checked_by_use(execute: Callable[[], int]) -> int:
    """Run one autocommitted statement as its own connection health check.

    With ``CONN_HEALTH_CHECKS``, Django sends ``SELECT 1`` before a request's first statement on a reused
    connection, so that a connection the server dropped meanwhile (a restart, an idle timeout) is replaced
    rather than failing the request. For the events API's INSERT that round trip was a sixth of accepting
    an event. Here the statement goes first; if it fails and the connection no longer answers, the
    connection is replaced and the statement sent once more, so a dropped connection still costs the
    request nothing. Inside a transaction (or on a new connection) Django's own check applies."""
    usable_before = connection.connection is not None and not connection.in_atomic_block
    if not (usable_before and connection.health_check_enabled and not connection.health_check_done):
        return execute()
    connection.health_check_done = True  # this statement is the check
    try:
        return execute()
    except (OperationalError, InterfaceError):
        if connection.is_usable():
            raise  # the statement failed, not the connection
    connection.close()
    return execute()  # on a new connection, which Django counts healthy
