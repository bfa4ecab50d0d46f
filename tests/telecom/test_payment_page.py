"""The demo payment page over HTTP: show, pay once, credit once; bad links get a page, not a traceback."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI
from fastapi.testclient import TestClient

from parley.payments.router import build_router


def client_for(system: Any) -> TestClient:
    app = FastAPI()
    app.include_router(build_router(lambda: system))
    return TestClient(app)


def test_pay_credits_once(system: Any) -> None:
    payment = system.backend.create_payment("C-2005", "+79210000006", 100.0, "RUB", idempotency_key="p1")
    path = payment.url.split("127.0.0.1:8000", 1)[1]
    client = client_for(system)
    page = client.get(path)
    assert (
        page.status_code == 200
        and "100" in page.text
        and "+79210000006" in page.text
        and "<form" in page.text
    )
    assert client.post(path).status_code == 200
    again = client.post(path)
    assert again.status_code == 200 and "Thank you" in again.text
    assert round(system.backend.get_subscriber("+79210000006").balance, 2) == 14.7
    assert "Thank you" in client.get(path).text


def test_forged_or_garbage_token_is_a_page(system: Any) -> None:
    client = client_for(system)
    for token in ("nonsense", "a.b", "x" * 600):
        response = client.get(f"/pay/{token}")
        assert response.status_code == 404 and "not valid" in response.text
        assert client.post(f"/pay/{token}").status_code == 404
