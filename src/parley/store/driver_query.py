"""`DriverQuery`: a prebuilt Core SELECT that runs on the DBAPI cursor when the database is SQLite.

Why: a turn makes about ten one-row lookups. On SQLite the query itself takes ~10 µs; SQLAlchemy's
execution around it (cache key, execution context, result metadata, events) takes ~50 µs more, per
lookup, every turn — the largest single share of the engine's own cost after LangGraph (measured in
benchmarks/README.md, "Dialogue turns"). The statement is still written once in Core, and compiled by
SQLAlchemy's own SQLite compiler; its result columns are converted by the same type processors
SQLAlchemy would apply (dates, JSON, UTC timestamps), so rows read the same either way. On any other
database — where a round trip, not Python, is the cost — the statement runs through SQLAlchemy as usual.
"""

from __future__ import annotations

from collections import namedtuple
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, Select


@dataclass(frozen=True, slots=True)
class _Compiled:
    sql: str
    param_order: tuple[str, ...]
    defaults: Mapping[str, Any]  # literal values the compiler bound itself (e.g. LIMIT's OFFSET 0)
    binders: Mapping[str, Callable[[Any], Any]]
    converters: tuple[tuple[int, Callable[[Any], Any]], ...]  # (column index, result processor)
    row_type: type


class DriverQuery:
    """A SELECT with bound parameters, compiled once per dialect (see module doc)."""

    def __init__(self, statement: Select[Any]) -> None:
        self.statement = statement
        self._sqlite: _Compiled | None = None
        # an IN (...) list is rendered per call: such a statement always goes through SQLAlchemy
        self._expanding = any(b.expanding for b in statement.compile().binds.values())

    def _compile_for_sqlite(self, conn: Connection) -> _Compiled:
        dialect = conn.dialect
        compiled = self.statement.compile(dialect=dialect)
        names = tuple(compiled.positiontup or ())
        binders: dict[str, Callable[[Any], Any]] = {}
        for name in names:
            processor = compiled.binds[name].type.dialect_impl(dialect).bind_processor(dialect)
            if processor is not None:
                binders[name] = processor
        columns = list(self.statement.selected_columns)
        converters = []
        for index, column in enumerate(columns):
            processor = column.type.dialect_impl(dialect).result_processor(dialect, None)
            if processor is not None:
                converters.append((index, processor))
        return _Compiled(
            sql=compiled.string,
            param_order=names,
            defaults=compiled.construct_params(_check=False),
            binders=binders,
            converters=tuple(converters),
            row_type=namedtuple("Row", [c.key for c in columns]),  # type: ignore[misc]
        )

    def all(self, conn: Connection, params: Mapping[str, Any]) -> Sequence[Any]:
        """The rows (attribute access by column key, as SQLAlchemy rows)."""
        if self._expanding or conn.dialect.name != "sqlite":
            return list(conn.execute(self.statement, dict(params)))
        compiled = self._sqlite
        if compiled is None:
            compiled = self._sqlite = self._compile_for_sqlite(conn)
        values = []
        for name in compiled.param_order:
            value = params[name] if name in params else compiled.defaults[name]
            binder = compiled.binders.get(name)
            values.append(binder(value) if binder is not None else value)
        cursor = conn.connection.driver_connection.cursor()  # type: ignore[union-attr]
        try:
            raw_rows = cursor.execute(compiled.sql, values).fetchall()
        finally:
            cursor.close()
        if not compiled.converters:
            return [compiled.row_type(*row) for row in raw_rows]
        rows = []
        for raw in raw_rows:
            row = list(raw)
            for index, convert in compiled.converters:
                row[index] = convert(row[index])
            rows.append(compiled.row_type(*row))
        return rows

    def first(self, conn: Connection, params: Mapping[str, Any]) -> Any | None:
        rows = self.all(conn, params)
        return rows[0] if rows else None
