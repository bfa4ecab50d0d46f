"""`parley data import|export`: the reference backend's data in and out (CONTRACT §1 and §3).

Only Typer is imported at module level: the lead mounts this app into `parley`, and `parley --help`
must not pay for SQLAlchemy or the database driver. Every failure is one clean line and exit code 1.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated, Any, NoReturn

import typer

app = typer.Typer(
    help="Import and export the reference backend's data (customers, orders, subscribers…).",
    no_args_is_help=True,
    add_completion=False,
)


def _fail(message: str) -> NoReturn:
    typer.echo(f"error: {message}", err=True)
    raise typer.Exit(code=1)


def _database() -> Any:
    """The configured database, migrated to the newest schema."""
    from sqlalchemy.exc import SQLAlchemyError

    from parley.config import get_settings
    from parley.store.db import Database
    from parley.store.migrate import upgrade

    url = get_settings().database_url
    try:
        upgrade(url)
        return Database(url)
    except (SQLAlchemyError, OSError) as error:
        _fail(f"cannot open the database: {str(error).splitlines()[0]}")


@app.command("import")
def import_command(
    file: Annotated[str, typer.Argument(help="A JSON file in the CONTRACT §3 format ('-' reads stdin).")],
) -> None:
    """Loads the file into the reference backend: all or nothing, idempotent by id (re-import updates)."""
    from sqlalchemy.exc import SQLAlchemyError

    from parley.backends.reference.io import DataImportError, import_data

    try:
        text = sys.stdin.read() if file == "-" else Path(file).read_text(encoding="utf-8")
    except OSError as error:
        _fail(f"cannot read {file}: {error.strerror or error}")
    try:
        payload = json.loads(text)
    except json.JSONDecodeError as error:
        _fail(f"{file} is not valid JSON: {error.msg} (line {error.lineno}, column {error.colno})")
    db = _database()
    try:
        report = import_data(db, payload)
    except DataImportError as error:
        _fail(f"{error}\nnothing was imported")
    except SQLAlchemyError as error:
        _fail(f"the database refused the import: {str(error).splitlines()[0]}\nnothing was imported")
    finally:
        db.dispose()
    typer.echo(f"imported {report.total} records ({report.summary()})")


@app.command("export")
def export_command(
    out: Annotated[
        Path | None, typer.Option("--out", "-o", help="Write to this file instead of stdout.")
    ] = None,
) -> None:
    """Dumps the current state in the import format plus the records the system created."""
    from parley.backends.reference.io import export_data

    db = _database()
    try:
        data = export_data(db)
    finally:
        db.dispose()
    text = json.dumps(data, ensure_ascii=False, indent=2) + "\n"
    if out is None:
        sys.stdout.write(text)
        return
    try:
        out.write_text(text, encoding="utf-8")
    except OSError as error:
        _fail(f"cannot write {out}: {error.strerror or error}")
    typer.echo(f"exported to {out}", err=True)
