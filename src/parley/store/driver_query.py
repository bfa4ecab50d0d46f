"""`DriverQuery` and `DriverWrite`: prebuilt Core statements that run straight on the DBAPI cursor.

Why: a turn makes about ten one-row lookups. On SQLite the query itself takes ~10 µs and on
PostgreSQL one loopback round trip; SQLAlchemy's execution around it (cache key, execution context,
result metadata, events) costs ~50-200 µs more, per lookup, every turn — after LangGraph, the largest
share of the engine's own cost (measured in benchmarks/README.md, "Dialogue turns"). The statement is
still written once in Core and compiled by SQLAlchemy's compiler for the connection's dialect; bound
values go through the column types' bind processors and result columns through the result processors
SQLAlchemy itself would pick for the driver's column types (dates, JSON, UTC timestamps, numerics), so
rows read the same either way (tests/store/test_driver_query.py compares them on both databases). A
statement with an expanding `IN` list, or a driver with another parameter style, runs through
SQLAlchemy as usual.
"""

from __future__ import annotations

from collections import namedtuple
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, Select

Converters = tuple[tuple[int, Callable[[Any], Any]], ...]  # (column index, result processor)
_POSITIONAL = "qmark"  # sqlite3
_NAMED = "pyformat"  # psycopg


@dataclass(slots=True)
class _Compiled:
    sql: str
    param_order: tuple[str, ...]  # for a positional paramstyle; empty for a named one
    defaults: Mapping[str, Any]  # literal values the compiler bound itself (e.g. LIMIT's OFFSET 0)
    binders: Mapping[str, Callable[[Any], Any]]
    row_type: type
    # found on the first execution, from the driver's column types
    converters: Converters | None = None

    def arguments(self, params: Mapping[str, Any]) -> Any:
        """The driver's parameters: bound values processed, in the paramstyle's shape."""
        values = {**self.defaults, **params}
        for name, binder in self.binders.items():
            if name in values:
                values[name] = binder(values[name])
        return [values[name] for name in self.param_order] if self.param_order else values

    def row(self, raw: Sequence[Any]) -> Any:
        """A driver row typed as SQLAlchemy would type it (converters must be known)."""
        if not self.converters:
            return self.row_type(*raw)
        values = list(raw)
        for index, convert in self.converters:
            values[index] = convert(values[index])
        return self.row_type(*values)


def _compile(
    statement: Any, dialect: Any, columns: list[str], column_keys: list[str] | None = None
) -> _Compiled | None:
    """`statement` compiled for `dialect`, with the bind processors of its parameters' types.

    None when SQLAlchemy must shape each execution itself: a column needing a Python-side default,
    or an expanding `IN (...)` list (rendered per call)."""
    sql = statement.compile(dialect=dialect, column_keys=column_keys)
    if sql.insert_prefetch or getattr(sql, "update_prefetch", None):
        return None
    if any(bind.expanding for bind in sql.binds.values()):
        return None
    binders: dict[str, Callable[[Any], Any]] = {}
    for bind in sql.binds.values():
        processor = bind.type.dialect_impl(dialect).bind_processor(dialect)
        if processor is not None:
            binders[bind.key] = processor
    return _Compiled(
        sql=sql.string,
        param_order=tuple(sql.positiontup or ()) if dialect.paramstyle == _POSITIONAL else (),
        defaults=sql.construct_params(_check=False),
        binders=binders,
        row_type=namedtuple("Row", columns) if columns else tuple,  # type: ignore[misc]
    )


class DriverQuery:
    """A SELECT with bound parameters, compiled once per dialect (see module doc)."""

    def __init__(self, statement: Select[Any]) -> None:
        self.statement = statement
        self._compiled: dict[str, _Compiled | None] = {}

    def _compile(self, conn: Connection) -> _Compiled | None:
        dialect = conn.dialect
        key = f"{dialect.name}+{dialect.driver}"
        if key not in self._compiled:
            columns = [str(c.key) for c in self.statement.selected_columns]
            supported = dialect.paramstyle in (_POSITIONAL, _NAMED)
            self._compiled[key] = _compile(self.statement, dialect, columns) if supported else None
        return self._compiled[key]

    def all(self, conn: Connection, params: Mapping[str, Any]) -> Sequence[Any]:
        """The rows (attribute access by column key, as SQLAlchemy rows)."""
        compiled = self._compile(conn)
        if compiled is None:
            return list(conn.execute(self.statement, dict(params)))
        cursor = conn.connection.driver_connection.cursor()  # type: ignore[union-attr]
        try:
            cursor.execute(compiled.sql, compiled.arguments(params))
            return self._rows(compiled, conn, cursor)
        finally:
            cursor.close()

    def _rows(self, compiled: _Compiled, conn: Connection, cursor: Any) -> list[Any]:
        raw_rows = cursor.fetchall()
        if compiled.converters is None:
            compiled.converters = _converters(self.statement.selected_columns, conn, cursor.description)
        return [compiled.row(raw) for raw in raw_rows]

    def first(self, conn: Connection, params: Mapping[str, Any]) -> Any | None:
        rows = self.all(conn, params)
        return rows[0] if rows else None


def all_together(
    conn: Connection, batch: Sequence[tuple[DriverQuery, Mapping[str, Any]]], *, begin: bool = False
) -> list[Sequence[Any]]:
    """The rows of several independent queries, as `DriverQuery.all` gives them, in one round trip.

    On PostgreSQL the statements go out in one psycopg pipeline and their results come back together:
    a turn's context (orders, loyalty, preferences, numbers, their services) costs one round trip
    instead of five. Elsewhere, or when a query must run through SQLAlchemy, one after the other.

    `begin` (PostgreSQL, on a connection outside any transaction — an autocommit one): the batch opens
    a transaction, its BEGIN in the same round trip; the caller ends it with COMMIT or ROLLBACK.
    """
    compiled = [query._compile(conn) for query, _ in batch]
    driver = conn.connection.driver_connection
    if begin and (conn.dialect.name != "postgresql" or any(c is None for c in compiled)):
        raise ValueError("a batch opens a transaction only on PostgreSQL, with driver-level statements")
    if conn.dialect.name != "postgresql" or any(c is None for c in compiled):
        return [query.all(conn, params) for query, params in batch]
    cursors = []
    try:
        with driver.pipeline():  # type: ignore[union-attr]
            if begin:
                driver.execute("BEGIN")  # type: ignore[union-attr]
            for (_query, params), plan in zip(batch, compiled, strict=True):
                cursor = driver.cursor()  # type: ignore[union-attr]
                cursors.append(cursor)
                cursor.execute(plan.sql, plan.arguments(params))  # type: ignore[union-attr]
        return [
            query._rows(plan, conn, cursor)  # type: ignore[arg-type]
            for (query, _), plan, cursor in zip(batch, compiled, cursors, strict=True)
        ]
    finally:
        for cursor in cursors:
            cursor.close()


class DriverWrite:
    """An INSERT or UPDATE (optionally RETURNING) run on the DBAPI cursor, in the caller's transaction.

    The same reasoning as `DriverQuery`, for the few statements every turn writes. Compiled per dialect
    and per set of given columns; a statement whose columns need Python-side defaults, or a driver
    with another parameter style, runs through SQLAlchemy as usual.
    """

    def __init__(self, statement: Any) -> None:
        self.statement = statement
        self._compiled: dict[tuple[str, tuple[str, ...]], _Compiled | None] = {}

    def _compile(self, conn: Connection, keys: tuple[str, ...]) -> _Compiled | None:
        dialect = conn.dialect
        cache_key = (f"{dialect.name}+{dialect.driver}", keys)
        if cache_key in self._compiled:
            return self._compiled[cache_key]
        compiled: _Compiled | None = None
        if dialect.paramstyle in (_POSITIONAL, _NAMED):
            returning = [str(c.key) for c in self.statement.exported_columns]
            compiled = _compile(self.statement, dialect, returning, column_keys=list(keys))
        self._compiled[cache_key] = compiled
        return compiled

    def execute(self, conn: Connection, params: Mapping[str, Any]) -> Any | None:
        """One execution; the RETURNING row (typed as SQLAlchemy would), or None."""
        compiled = self._compile(conn, tuple(sorted(params)))
        if compiled is None:
            result = conn.execute(self.statement, dict(params))
            return result.first() if self.statement.exported_columns else None
        cursor = conn.connection.driver_connection.cursor()  # type: ignore[union-attr]
        try:
            cursor.execute(compiled.sql, compiled.arguments(params))
            if compiled.row_type is tuple:
                return None
            raw = cursor.fetchone()
            if raw is None:
                return None
            if compiled.converters is None:
                compiled.converters = _converters(self.statement.exported_columns, conn, cursor.description)
        finally:
            cursor.close()
        return compiled.row(raw)

    def execute_many(self, conn: Connection, rows: Sequence[Mapping[str, Any]]) -> None:
        """Several rows with the same columns (no RETURNING)."""
        if not rows:
            return
        compiled = self._compile(conn, tuple(sorted(rows[0])))
        if compiled is None:
            conn.execute(self.statement, [dict(r) for r in rows])
            return
        cursor = conn.connection.driver_connection.cursor()  # type: ignore[union-attr]
        try:
            cursor.executemany(compiled.sql, [compiled.arguments(r) for r in rows])
        finally:
            cursor.close()


def _converters(columns: Any, conn: Connection, description: Any) -> Converters:
    """SQLAlchemy's result processors for the columns, given the driver's type codes (as it does)."""
    dialect = conn.dialect
    found = []
    for index, column in enumerate(columns):
        type_code = description[index][1] if description else None
        processor = column.type.dialect_impl(dialect).result_processor(dialect, type_code)
        if processor is not None:
            found.append((index, processor))
    return tuple(found)
