"""`DriverQuery`: a prebuilt Core SELECT that runs straight on the DBAPI cursor.

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

_POSITIONAL = "qmark"  # sqlite3
_NAMED = "pyformat"  # psycopg


@dataclass(slots=True)
class _Compiled:
    sql: str
    param_order: tuple[str, ...]  # for a positional paramstyle; empty for a named one
    defaults: Mapping[str, Any]  # literal values the compiler bound itself (e.g. LIMIT's OFFSET 0)
    binders: Mapping[str, Callable[[Any], Any]]
    row_type: type
    # (column index, result processor); found on the first execution, from the driver's column types
    converters: tuple[tuple[int, Callable[[Any], Any]], ...] | None = None


class DriverQuery:
    """A SELECT with bound parameters, compiled once per dialect (see module doc)."""

    def __init__(self, statement: Select[Any]) -> None:
        self.statement = statement
        self._compiled: dict[str, _Compiled] = {}
        # an IN (...) list is rendered per call: such a statement always goes through SQLAlchemy
        self._expanding = any(b.expanding for b in statement.compile().binds.values())

    def _compile(self, conn: Connection) -> _Compiled | None:
        dialect = conn.dialect
        key = f"{dialect.name}+{dialect.driver}"
        compiled = self._compiled.get(key)
        if compiled is not None or self._expanding or dialect.paramstyle not in (_POSITIONAL, _NAMED):
            return compiled
        sql = self.statement.compile(dialect=dialect)
        binders: dict[str, Callable[[Any], Any]] = {}
        for bind in sql.binds.values():
            processor = bind.type.dialect_impl(dialect).bind_processor(dialect)
            if processor is not None:
                binders[bind.key] = processor
        compiled = self._compiled[key] = _Compiled(
            sql=sql.string,
            param_order=tuple(sql.positiontup or ()) if dialect.paramstyle == _POSITIONAL else (),
            defaults=sql.construct_params(_check=False),
            binders=binders,
            row_type=namedtuple("Row", [c.key for c in self.statement.selected_columns]),  # type: ignore[misc]
        )
        return compiled

    def _converters(self, conn: Connection, description: Any) -> tuple[tuple[int, Callable[[Any], Any]], ...]:
        """SQLAlchemy's result processors for the columns, given the driver's type codes (as it does)."""
        dialect = conn.dialect
        found = []
        for index, column in enumerate(self.statement.selected_columns):
            type_code = description[index][1] if description else None
            processor = column.type.dialect_impl(dialect).result_processor(dialect, type_code)
            if processor is not None:
                found.append((index, processor))
        return tuple(found)

    def all(self, conn: Connection, params: Mapping[str, Any]) -> Sequence[Any]:
        """The rows (attribute access by column key, as SQLAlchemy rows)."""
        compiled = self._compile(conn)
        if compiled is None:
            return list(conn.execute(self.statement, dict(params)))
        values = {**compiled.defaults, **params}
        for name, binder in compiled.binders.items():
            if name in values:
                values[name] = binder(values[name])
        arguments: Any = [values[name] for name in compiled.param_order] if compiled.param_order else values
        cursor = conn.connection.driver_connection.cursor()  # type: ignore[union-attr]
        try:
            cursor.execute(compiled.sql, arguments)
            raw_rows = cursor.fetchall()
            if compiled.converters is None:
                compiled.converters = self._converters(conn, cursor.description)
        finally:
            cursor.close()
        converters = compiled.converters
        if not converters:
            return [compiled.row_type(*row) for row in raw_rows]
        rows = []
        for raw in raw_rows:
            row = list(raw)
            for index, convert in converters:
                row[index] = convert(row[index])
            rows.append(compiled.row_type(*row))
        return rows

    def first(self, conn: Connection, params: Mapping[str, Any]) -> Any | None:
        rows = self.all(conn, params)
        return rows[0] if rows else None
