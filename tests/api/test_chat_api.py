"""The HTTP contract (CONTRACT §2) through a real ASGI client: shapes, idempotency, hostile input."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient

from parley.app import create_app


@pytest.fixture
def client(make_system: Any) -> Iterator[TestClient]:
    system = make_system()
    with TestClient(create_app(system.settings, system)) as test_client:
        yield test_client


def post(client: TestClient, text: str, session: str = "s-api", **extra: Any) -> Any:
    body = {"customer_id": "C-1002", "text": text, **extra}
    return client.post(f"/v1/chat/{session}/messages", json=body)


def test_turn_response_has_the_contract_shape(client: TestClient) -> None:
    response = post(client, "where is my order 100301?")
    assert response.status_code == 200
    body = response.json()
    assert set(body) >= {
        "session_id",
        "replies",
        "language",
        "intent",
        "confidence",
        "entities",
        "pending_confirmation",
        "actions",
        "escalated",
        "escalation",
    }
    assert body["intent"] == "order_status"
    assert body["entities"]["order_id"] == "100301"
    assert body["actions"][0]["action"] == "get_order_status" and body["actions"][0]["success"]
    assert body["replies"][0]["text"] and isinstance(body["replies"][0]["quick_replies"], list)


def test_conversation_state_lists_transcript_and_actions(client: TestClient) -> None:
    post(client, "cancel order 100287")
    post(client, "where is my order 100301?")
    state = client.get("/v1/chat/s-api").json()
    assert state["customer_id"] == "C-1002" and state["status"] == "active"
    assert [m["role"] for m in state["messages"]][:2] == ["customer", "agent"]
    assert len([m for m in state["messages"] if m["role"] == "customer"]) == 2
    assert state["completed_actions"][-1]["action"] == "get_order_status"
    assert client.get("/v1/chat/nope").status_code == 404


def test_same_message_id_is_processed_once(client: TestClient) -> None:
    post(client, "cancel order 100287")  # delivered: explained, nothing pending
    first = post(client, "please cancel order 100301", message_id="m-1").json()
    second = post(client, "please cancel order 100301", message_id="m-1").json()
    assert first == second
    state = client.get("/v1/chat/s-api").json()
    assert len([m for m in state["messages"] if m["role"] == "customer"]) == 2


@pytest.mark.parametrize(
    "body, status",
    [
        ({"customer_id": "C-1002", "text": ""}, 422),
        ({"customer_id": "C-1002", "text": "   "}, 422),
        ({"customer_id": "C-1002", "text": "hi\x00there"}, 422),
        ({"customer_id": "C-1002", "text": "x" * 5000}, 422),
        ({"customer_id": "C-9999", "text": "hello"}, 404),
        ({"customer_id": "C-1002"}, 422),
        ({"customer_id": "'; DROP TABLE orders; --", "text": "hello"}, 422),
        ({"customer_id": "C-1002", "text": "hello", "channel": "pigeon"}, 422),
    ],
)
def test_bad_input_gets_a_json_4xx(client: TestClient, body: dict[str, Any], status: int) -> None:
    response = client.post("/v1/chat/s-bad/messages", json=body)
    assert response.status_code == status
    assert response.json()["error"]["code"]


def test_malformed_json_and_huge_bodies_are_rejected_cleanly(client: TestClient) -> None:
    bad = client.post(
        "/v1/chat/s-bad/messages", content=b"{not json", headers={"content-type": "application/json"}
    )
    assert bad.status_code == 400 and bad.json()["error"]["code"] == "malformed_json"
    huge = client.post(
        "/v1/chat/s-bad/messages",
        content=b"{" + b" " * (1024 * 1024) + b"}",
        headers={"content-type": "application/json"},
    )
    assert huge.status_code == 413 and huge.json()["error"]["code"] == "body_too_large"
    odd = client.post("/v1/chat/bad%20id!/messages", json={"customer_id": "C-1002", "text": "hi"})
    assert odd.status_code == 422


def test_a_session_of_another_customer_is_refused(client: TestClient) -> None:
    post(client, "hello", session="s-owned")
    other = client.post("/v1/chat/s-owned/messages", json={"customer_id": "C-1001", "text": "hello"})
    assert other.status_code == 403
    assert "C-1002" not in other.text


def test_nlu_parse_endpoint(client: TestClient) -> None:
    body = client.post("/v1/nlu/parse", json={"text": "отмените заказ 100234"}).json()
    assert body["intent"] == "order_cancel" and body["language"] == "ru"
    assert body["entities"]["order_id"] == "100234"
    assert set(body["sentiment"]) == {"label", "anger"}
    assert client.post("/v1/nlu/parse", json={"text": ""}).status_code == 422


def test_api_keys_are_required_when_configured(make_system: Any) -> None:
    system = make_system()
    settings = system.settings.model_copy(update={"api_keys": "k1,k2"})
    with TestClient(create_app(settings, system)) as test_client:
        anonymous = test_client.post("/v1/nlu/parse", json={"text": "hi"})
        assert anonymous.status_code == 401
        ok = test_client.post("/v1/nlu/parse", json={"text": "hi"}, headers={"Authorization": "Bearer k2"})
        assert ok.status_code == 200
        assert (
            test_client.get("/v1/demo/customers", headers={"Authorization": "Bearer k1"}).status_code == 404
        )
