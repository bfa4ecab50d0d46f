"""GET/POST /pay/{token}: the demo's payment page.

The token in the URL is the backend's signed, expiring payment token; nothing else identifies the
payment, so a forged or expired link shows a plain "invalid link" page (never a traceback). Paying
marks the payment paid through `backend.mark_payment_paid`, which credits the number exactly once,
however often the form is submitted.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from fastapi import APIRouter
from fastapi.responses import HTMLResponse
from jinja2 import Environment, FileSystemLoader, select_autoescape

from parley.nlg.formatting import money

TEMPLATES = Environment(
    loader=FileSystemLoader(Path(__file__).parent / "templates"),
    autoescape=select_autoescape(["html"]),
)


def _page(name: str, status: int = 200, **values: Any) -> HTMLResponse:
    return HTMLResponse(TEMPLATES.get_template(name).render(**values), status_code=status)


def _payment(system: Any, token: str) -> Any | None:
    backend = system.backend
    if len(token) > 512:
        return None
    payment_id = backend.verify_payment_token(token)
    return backend.get_payment(payment_id) if payment_id else None


def build_router(get_system: Callable[[], Any]) -> APIRouter:
    router = APIRouter(include_in_schema=False)

    @router.get("/pay/{token}", response_class=HTMLResponse)
    def show(token: str) -> HTMLResponse:
        payment = _payment(get_system(), token)
        if payment is None:
            return _page("invalid.html", 404)
        if payment.status == "paid":
            return _page("paid.html", payment=payment, amount=money(payment.amount, payment.currency))
        return _page("pay.html", payment=payment, token=token, amount=money(payment.amount, payment.currency))

    @router.post("/pay/{token}", response_class=HTMLResponse)
    def pay(token: str) -> HTMLResponse:
        system = get_system()
        payment = _payment(system, token)
        if payment is None:
            return _page("invalid.html", 404)
        paid = system.backend.mark_payment_paid(payment.id)
        return _page("paid.html", payment=paid, amount=money(paid.amount, paid.currency))

    return router
