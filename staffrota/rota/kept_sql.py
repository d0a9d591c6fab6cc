"""Plain reads whose SQL the ORM writes once per shape of query, then reused (`kept_rows`).

The rules checks of vacancy filling and of the leave impact analysis run the same handful
of `values_list` queries every time someone opens a vacancy or asks for leave; building
and compiling each queryset cost more Python than the rules themselves. Only on
PostgreSQL; elsewhere, and for any query this cannot prove it reproduces, the ORM runs it.
"""

from contextlib import nullcontext
from datetime import UTC, date, datetime, timedelta

from django.core.exceptions import EmptyResultSet
from django.db import connection
from django_scopes import get_scope, scope

from staffrota.ops.memo import ProcessMemo

# The SQL the ORM wrote for each shape of query `kept_rows` runs, per process: keyed by
# the database, the function building the query, the tenancy scope's shape (how many
# homes: the homes themselves are parameters like the values), the values given and how
# many ids; None for a shape the ORM must run itself. Cleared when full (a few
# hundred shapes in practice).
_KEPT_SQL = ProcessMemo(most=2000)
_UNWRITTEN = object()


def kept_rows(build, **values) -> list[tuple]:
    """The rows of `build(**values)` (a `values_list` queryset), on PostgreSQL through the
    SQL the ORM wrote for the same shape of query before, run with these values.

    Why: building and compiling a queryset costs some 3,500 Python calls and running it a
    hundred, and a rules check runs four queries each time someone opens a vacancy or asks
    for leave. The SQL is the ORM's own, written once per shape (the query, how many homes
    the tenancy scope holds, how many ids) from stand-ins for `values` and for the scope's
    homes, kept with the place of each. `values` are ints, text, dates and times, or lists
    of those (which may come with their last item repeated: `build` must use a list only
    where that changes nothing, as `IN` does), and `build` must pass them to the ORM as
    they are and depend on nothing else that varies. Columns Django converts after
    reading (JSON) go through the same converters the ORM would run; a query whose SQL
    does not carry each stand-in as a parameter is left to the ORM every time."""
    if connection.vendor != "postgresql" or any(v == [] for v in values.values()):
        return list(build(**values))
    scoped = _scope_parts()
    if scoped is None:
        return list(build(**values))
    scope_shape, scope_ids = scoped
    values = {k: _padded(v) if isinstance(v, list) else v for k, v in values.items()}
    key = (
        connection.alias,
        build,
        scope_shape,
        tuple((k, len(v) if isinstance(v, list) else None) for k, v in values.items()),
    )
    kept = _KEPT_SQL.get(key, _UNWRITTEN)
    if kept is _UNWRITTEN:
        kept = _KEPT_SQL.keep(key, _write_sql(build, values, scope_ids))
    if kept is None:
        return list(build(**values))
    sql, slots, width, converters = kept
    if scope_ids:
        values = {**values, **{_SCOPED + name: ids for name, ids in scope_ids.items()}}
    params = [slot[1] if slot[0] is None else _at(values[slot[0]], slot[1]) for slot in slots]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    if converters:
        rows = _converted(rows, converters)
    # With DISTINCT the ORM selects the model's ordering columns too, after the ones asked
    # for, and cuts them off the rows it returns: so do we.
    return rows if width is None else [row[:width] for row in rows]


# List lengths a shape is written for: a list is made up to the next multiple of 4 (of
# 16 past 64) by repeating its last item (the same rows from `IN`, the same exclusions
# twice), so forty people's ids and thirty-seven share one SQL and the kept shapes stay
# few, at the price of a few more parameters.
def _padded(items: list) -> list:
    step = 4 if len(items) <= 64 else 16
    size = len(items) if len(items) <= 4 else -(-len(items) // step) * step
    return items + items[-1:] * (size - len(items))


def _at(value, index):
    return value if index is None else value[index]


# The scope's home ids among the values: a name no keyword argument of `build` can have.
_SCOPED = "\0scope "


def _scope_parts() -> tuple[tuple, dict] | None:
    """The active tenancy scope as a shape and its ids: each name with the number of homes
    it holds (their ids, by name, are stand-ins like `values`, so every home shares one
    SQL of a query), or with its value when that is not ids (scopes disabled, say); None
    when it holds something else, and the ORM then runs the query as always."""
    shape, ids = [], {}
    for name, value in sorted(get_scope().items()):
        if isinstance(value, list | tuple):
            items = [getattr(item, "pk", item) for item in value]
            if items and all(type(item) is int for item in items):
                ids[name] = items
                shape.append((name, "ids", len(items)))
                continue
            value = tuple(items)
        else:
            value = getattr(value, "pk", value)
            if type(value) is int:
                ids[name] = value
                shape.append((name, "id", None))
                continue
        shape.append((name, value))
    try:
        hash(tuple(shape))
    except TypeError:
        return None
    return tuple(shape), ids


def _stand_in(value, number: int):
    """A value of the same type that no real one equals: ids are never negative, nothing
    the rota holds is dated 1901, and no code or name reads like this text."""
    if isinstance(value, bool) or not isinstance(value, int | date | str):
        raise TypeError(f"kept_rows takes ints, text, dates and times, not {value!r}")
    if isinstance(value, str):
        return f"¤ kept_rows stand-in {number} ¤"
    if isinstance(value, int):
        return -number
    if isinstance(value, datetime):
        return datetime(1901, 1, 1, tzinfo=UTC) + timedelta(hours=number)
    return date(1901, 1, 1) + timedelta(days=number)


def _slot(where: dict, param) -> tuple:
    try:
        return where.get((type(param), param), (None, param))
    except TypeError:  # a list or other unhashable constant: not a stand-in
        return (None, param)


def _write_sql(build, values: dict, scope_ids: dict) -> tuple | None:
    where: dict[tuple, tuple[str, int | None]] = {}
    stand_ins = {}
    scoped = {_SCOPED + name: ids for name, ids in scope_ids.items()}
    for name, value in {**values, **scoped}.items():
        if isinstance(value, list):
            stand_ins[name] = []
            for index, item in enumerate(value):
                stand_in = _stand_in(item, len(where) + 1)
                where[type(stand_in), stand_in] = (name, index)
                stand_ins[name].append(stand_in)
        else:
            stand_in = _stand_in(value, len(where) + 1)
            where[type(stand_in), stand_in] = (name, None)
            stand_ins[name] = stand_in
    # The query built under a scope of stand-in homes, as the scoped managers read it.
    homes = {name: stand_ins.pop(_SCOPED + name) for name in scope_ids}
    # (`scope` enables scopes: keep them as they are, disabled under `scopes_disabled`.)
    stand_in_scope = (
        scope(**homes, _enabled=get_scope().get("_enabled", True)) if homes else nullcontext()
    )
    try:
        with stand_in_scope:
            compiler = build(**stand_ins).query.get_compiler(connection.alias)
            sql, params = compiler.as_sql()
    except EmptyResultSet:  # a scope without homes: the ORM finds nothing without a query
        return None
    # As the ORM's `results_iter` finds them: (place, converters, expression) of each
    # column converted after reading. None of them takes a value the query was given.
    columns = [column[0] for column in compiler.select[: compiler.col_count]]
    if compiler.has_composite_fields(columns):
        return None
    found = compiler.get_converters(columns)
    converters = [(place, convs, expression) for place, (convs, expression) in found.items()]
    slots = [_slot(where, param) for param in params]
    # Every value must be a parameter; the scope's homes need not (an unscoped model).
    found = {slot for slot in slots if slot[0] is not None}
    if not {place for place in where.values() if not place[0].startswith(_SCOPED)} <= found:
        return None
    return sql, slots, compiler.col_count if compiler.has_extra_select else None, converters


def _converted(rows: list[tuple], converters: list) -> list[tuple]:
    """The rows with each converted column as the ORM's `apply_converters` gives it."""
    converted = []
    for row in rows:
        row = list(row)
        for place, convs, expression in converters:
            value = row[place]
            for convert in convs:
                value = convert(value, expression, connection)
            row[place] = value
        converted.append(tuple(row))
    return converted
