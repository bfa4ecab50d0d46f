"""Everything a turn needs, built once per process by `parley.bootstrap` and shared by all turns."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from contextlib import AbstractContextManager, ExitStack
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from parley.backends.ports import Backend
    from parley.backends.records import Customer
    from parley.config import Settings
    from parley.engine.slots import Resolver
    from parley.nlg.render import Renderer
    from parley.nlu.parser import NluParser
    from parley.packs.base import ActionSpec, Flow, IntentRoute, Pack


@dataclass
class Runtime:
    settings: Settings
    backend: Backend
    conversations: Any  # parley.store.conversations.ConversationStore
    parser: NluParser
    packs: list[Pack]
    nlg: Renderer
    actions: dict[str, ActionSpec] = field(default_factory=dict)
    routes: dict[str, IntentRoute | Any] = field(default_factory=dict)
    flows: dict[str, Flow] = field(default_factory=dict)
    resolvers: dict[str, Resolver] = field(default_factory=dict)
    pool: ThreadPoolExecutor = field(default_factory=lambda: ThreadPoolExecutor(8, thread_name_prefix="ctx"))
    _customers: threading.local = field(default_factory=threading.local)
    _catalog: list[dict[str, Any]] | None = None

    def current_customer(self, customer_id: str) -> Customer:
        """The customer validated at the start of this turn (set by the engine on this thread)."""
        cached = getattr(self._customers, "customer", None)
        if cached is not None and cached.id == customer_id:
            return cached  # type: ignore[no-any-return]
        customer = self.backend.get_customer(customer_id)
        if customer is None:
            raise LookupError("unknown customer")
        return customer

    def shared_reads(self) -> AbstractContextManager[Any]:
        """One read connection for the whole turn, for the store and a database backend alike.

        The store and the reference backend share one `Database` (bootstrap wires it so); a backend
        on another database, or not on a database at all, keeps its own connections.
        """
        stack = ExitStack()
        for db in self.databases():
            if hasattr(db, "shared_reads"):
                stack.enter_context(db.shared_reads())
        return stack

    def databases(self) -> list[Any]:
        """The `Database`s behind the store and the backend, each once (bootstrap makes them one)."""
        found = (getattr(self.conversations, "db", None), getattr(self.backend, "db", None))
        return list({id(db): db for db in found if db is not None}.values())

    def remember_customer(self, customer: Customer | None) -> None:
        self._customers.customer = customer

    def service_catalog(self) -> list[dict[str, Any]]:
        """The telecom catalog, cached: it changes by import, not per turn."""
        if self._catalog is None:
            catalog = getattr(self.backend, "service_catalog", None)
            self._catalog = [c.as_dict() for c in catalog()] if catalog else []
        return self._catalog

    def invalidate_caches(self) -> None:
        self._catalog = None
