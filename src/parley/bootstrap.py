"""The one place that wires the system from settings: database, backend, store, understanding,
packs, wording, checkpointer and locks. Everything else receives what it needs."""

from __future__ import annotations

import gc
import importlib
import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from parley.config import Settings, get_settings

log = logging.getLogger(__name__)


@dataclass
class System:
    settings: Settings
    db: Any
    backend: Any
    conversations: Any
    engine: Any  # parley.engine.service.Engine
    runtime: Any

    def close(self) -> None:
        self.runtime.pool.shutdown(wait=False)
        for closer in (
            getattr(self.engine.checkpointer, "close_all", None),
            getattr(self.engine.locks, "close", None),
        ):
            if closer:
                closer()
        conn = getattr(self.engine.checkpointer, "conn", None)
        if conn is not None and hasattr(conn, "close"):
            conn.close()
        self.db.dispose()


def load_packs(names: list[str]) -> list[Any]:
    packs = []
    for name in names:
        module = importlib.import_module(f"parley.packs.{name}.pack")
        packs.append(module.build())
    return packs


def build_system(settings: Settings | None = None, *, parser: Any = None, migrate: bool = True) -> System:
    from parley.backends.reference.backend import SqlBackend
    from parley.engine.checkpoint import make_checkpointer
    from parley.engine.escalation import TRANSFER, WITHDRAW
    from parley.engine.locks import make_session_locks
    from parley.engine.runtime import Runtime
    from parley.engine.service import Engine
    from parley.engine.slots import DEFAULT_RESOLVERS
    from parley.nlg.render import Renderer
    from parley.packs.base import SHARED_ROUTES, IntentRoute, first_that_serves, is_partial
    from parley.store.conversations import ConversationStore
    from parley.store.db import Database
    from parley.store.migrate import upgrade_engine

    settings = settings or get_settings()
    db = Database(settings.database_url)
    if migrate:
        upgrade_engine(db.engine)
    backend = SqlBackend(db, payment_base_url=settings.public_url, secret_key=settings.secret_key)
    conversations = ConversationStore(db)
    packs = load_packs(settings.pack_names)
    if parser is None:
        from parley.nlu.embedded import get_parser

        parser = get_parser(tuple(settings.pack_names))
    runtime = Runtime(
        settings=settings,
        backend=backend,
        conversations=conversations,
        parser=parser,
        packs=packs,
        nlg=Renderer([p.templates_dir for p in packs]),
    )
    runtime.actions["transfer_to_operator"] = TRANSFER
    runtime.actions["withdraw_escalation"] = WITHDRAW
    runtime.routes["greeting"] = IntentRoute(reply="greeting.answer")
    runtime.resolvers.update(DEFAULT_RESOLVERS)
    for pack in packs:
        runtime.actions.update(pack.actions)
        for intent, route in pack.routes.items():
            if any(route is shared for shared in SHARED_ROUTES) and intent in runtime.routes:
                continue  # a pack's own routing of a shared intent wins, in any pack order
            earlier = runtime.routes.get(intent)
            if earlier is not None and (is_partial(route) or is_partial(earlier)):
                # one pack serves some of the intent's messages, the other the rest (packs/base.py); two
                # partial routes are tried in pack order, and serve only some messages together
                partial, rest = (earlier, route) if is_partial(earlier) else (route, earlier)
                runtime.routes[intent] = first_that_serves(partial, rest)  # type: ignore[arg-type]
                continue
            runtime.routes[intent] = route
        runtime.flows.update(pack.flows)
        runtime.resolvers.update(getattr(pack, "resolvers", {}) or {})
    lock_dir = Path(settings.cache_dir) / "locks" if db.dialect != "sqlite" else _sqlite_lock_dir(settings)
    engine = Engine(
        runtime,
        make_checkpointer(settings.database_url),
        make_session_locks(settings.database_url, lock_dir),
        atomic_turns=not _in_memory(settings.database_url),  # in memory, store and checkpointer are two dbs
    )
    # Everything built so far lives as long as the process: keep it out of the collector's way.
    gc.collect()
    gc.freeze()
    return System(settings, db, backend, conversations, engine, runtime)


def _in_memory(url: str) -> bool:
    return url.startswith("sqlite") and (":///" not in url or url.endswith(":///:memory:"))


def _sqlite_lock_dir(settings: Settings) -> Path:
    url = settings.database_url
    path = url.split(":///", 1)[1] if ":///" in url else ""
    if not path or path == ":memory:":
        return Path(settings.cache_dir) / "locks" / "memory"
    return Path(path).with_name(Path(path).name + ".locks")
