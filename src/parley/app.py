"""The HTTP service (CONTRACT §2): FastAPI application factory.

Errors are always JSON `{"error": {"code", "message"}}` with a 4xx for anything the caller can fix;
an unexpected failure is a 500 with the same shape and no internals — never a traceback.
"""

from __future__ import annotations

import logging
import re
import secrets
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from fastapi import Depends, FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from pydantic import BaseModel, Field, field_validator
from starlette.exceptions import HTTPException as StarletteHTTPException

from parley.bootstrap import System, build_system
from parley.config import Settings, get_settings
from parley.engine.service import SessionOwnedElsewhere, UnknownCustomer
from parley.engine.turn import InboundMessage

log = logging.getLogger(__name__)

MAX_BODY_BYTES = 64 * 1024
MAX_TEXT_CHARS = 4000
SESSION_ID = r"^[A-Za-z0-9._:\-]{1,128}$"
CONTROL_CHARS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
STATIC = Path(__file__).parent / "web"


class ApiError(Exception):
    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(message)
        self.status, self.code, self.message = status, code, message


def _clean_text(value: str) -> str:
    if CONTROL_CHARS.search(value):
        raise ValueError("text must not contain control characters")
    value = value.strip()
    if not value:
        raise ValueError("text must not be empty")
    return value


class ChatRequest(BaseModel):
    customer_id: str = Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9._:\-]+$")
    text: str = Field(max_length=MAX_TEXT_CHARS)
    channel: str = Field(default="web_chat", pattern=r"^(web_chat|telegram|whatsapp|sms|email)$")
    message_id: str | None = Field(default=None, min_length=1, max_length=128)

    _text = field_validator("text")(_clean_text)


class NluRequest(BaseModel):
    text: str = Field(max_length=MAX_TEXT_CHARS)
    language: str | None = Field(default=None, pattern=r"^(ru|en)$")

    _text = field_validator("text")(_clean_text)


def error(status: int, code: str, message: str, details: Any = None) -> JSONResponse:
    body: dict[str, Any] = {"error": {"code": code, "message": message}}
    if details is not None:
        body["error"]["details"] = details
    return JSONResponse(body, status_code=status)


def _session_id(session_id: str) -> str:
    if not re.match(SESSION_ID, session_id):
        raise ApiError(422, "invalid_session_id", "session_id must be 1-128 letters, digits or . _ : -")
    return session_id


def create_app(settings: Settings | None = None, system: System | None = None) -> FastAPI:
    settings = settings or get_settings()
    holder: dict[str, System] = {}
    if system is not None:
        holder["system"] = system

    def get_system() -> System:
        if "system" not in holder:
            holder["system"] = build_system(settings)
        return holder["system"]

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        yield
        if "system" in holder and system is None:
            holder["system"].close()

    app = FastAPI(
        title="Parley",
        version="0.1.0",
        description="Autonomous customer-communication agent",
        lifespan=lifespan,
    )

    # ------------------------------------------------------------------ cross-cutting
    @app.middleware("http")
    async def limit_body(request: Request, call_next: Callable[[Request], Awaitable[Response]]) -> Response:
        length = request.headers.get("content-length")
        if length and length.isdigit() and int(length) > MAX_BODY_BYTES:
            return error(413, "body_too_large", f"request body must be at most {MAX_BODY_BYTES} bytes")
        return await call_next(request)

    @app.exception_handler(ApiError)
    async def on_api_error(_: Request, exc: ApiError) -> JSONResponse:
        return error(exc.status, exc.code, exc.message)

    @app.exception_handler(RequestValidationError)
    async def on_validation(_: Request, exc: RequestValidationError) -> JSONResponse:
        problems = exc.errors()
        if any(p.get("type") == "json_invalid" for p in problems):
            return error(400, "malformed_json", "the request body is not valid JSON")
        details = [
            {"field": ".".join(str(x) for x in p.get("loc", ())[1:]), "problem": str(p.get("msg", ""))[:200]}
            for p in problems
        ]
        return error(422, "invalid_request", "the request is not valid", details)

    @app.exception_handler(StarletteHTTPException)
    async def on_http(_: Request, exc: StarletteHTTPException) -> JSONResponse:
        return error(exc.status_code, "http_error", str(exc.detail))

    @app.exception_handler(Exception)
    async def on_crash(_: Request, exc: Exception) -> JSONResponse:
        log.exception("unhandled error")
        return error(500, "internal_error", "something went wrong on our side; please try again")

    keys = settings.api_key_list

    def require_key(request: Request) -> None:
        if not keys:
            return
        header = request.headers.get("authorization", "")
        token = header[7:] if header.lower().startswith("bearer ") else ""
        if not any(secrets.compare_digest(token, k) for k in keys):
            raise ApiError(401, "unauthorized", "a valid API key is required: Authorization: Bearer <key>")

    authorized = [Depends(require_key)]

    # ------------------------------------------------------------------ chat
    @app.post("/v1/chat/{session_id}/messages", dependencies=authorized)
    def post_message(session_id: str, body: ChatRequest) -> dict[str, Any]:
        message = InboundMessage(
            session_id=_session_id(session_id),
            customer_id=body.customer_id,
            text=body.text,
            channel=body.channel,
            message_id=body.message_id,
        )
        try:
            return get_system().engine.handle(message)  # type: ignore[no-any-return]
        except UnknownCustomer as exc:
            raise ApiError(404, "unknown_customer", "no customer with this id") from exc
        except SessionOwnedElsewhere as exc:
            raise ApiError(403, "session_forbidden", "this session belongs to another customer") from exc

    @app.get("/v1/chat/{session_id}", dependencies=authorized)
    def get_conversation(session_id: str) -> dict[str, Any]:
        found = get_system().engine.conversation(_session_id(session_id))
        if found is None:
            raise ApiError(404, "unknown_session", "no conversation with this id")
        return found  # type: ignore[no-any-return]

    # ------------------------------------------------------------------ understanding
    @app.post("/v1/nlu/parse", dependencies=authorized)
    def nlu_parse(body: NluRequest) -> dict[str, Any]:
        result = get_system().runtime.parser.parse(body.text, language=body.language)
        return result.as_contract()  # type: ignore[no-any-return]

    # ------------------------------------------------------------------ pages and health
    @app.get("/", include_in_schema=False)
    def root() -> RedirectResponse:
        return RedirectResponse("/chat")

    @app.get("/chat", include_in_schema=False)
    def chat_page() -> HTMLResponse:
        return HTMLResponse((STATIC / "chat.html").read_text(encoding="utf-8"))

    from parley.payments.router import build_router

    app.include_router(build_router(get_system))

    @app.get("/healthz")
    def health() -> dict[str, str]:
        return {"status": "ok"}

    @app.get("/v1/demo/customers", include_in_schema=False, dependencies=authorized)
    def demo_customers() -> list[dict[str, Any]]:
        """The customers the web chat page offers to act as — only when no API keys are set (local demo)."""
        if keys:
            raise ApiError(404, "not_found", "not found")
        export = getattr(get_system().backend, "list_customers", None)
        if export is None:
            return []
        return [
            {"id": c.id, "name": c.name, "tier": c.tier, "language": c.preferred_language} for c in export()
        ]

    return app
