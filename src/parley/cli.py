"""The `parley` command (CONTRACT §1).

Start-up must stay fast: nothing here imports a model, a database driver or the web stack at module
level; each command imports what it needs when it runs (a test enforces it).
"""

from __future__ import annotations

import ipaddress
import json
import sys
import uuid
from typing import Annotated

import typer

from parley.backends.reference.cli import app as data_app
from parley.nlu.cli import app as nlu_app

app = typer.Typer(
    help="Parley: an autonomous customer-communication agent.", no_args_is_help=True, add_completion=False
)
app.add_typer(nlu_app, name="nlu", help="Understanding only: parse and evaluate.")
app.add_typer(data_app, name="data", help="Import and export the reference backend's data.")


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


@app.command()
def serve(
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on.")] = 8000,
    workers: Annotated[int, typer.Option(help="Worker processes.")] = 1,
) -> None:
    """Run the HTTP service: API, web chat page."""
    import uvicorn

    from parley.config import get_settings

    settings = get_settings()
    if not settings.api_key_list and not _is_loopback(host):
        typer.echo("Refusing to listen on a non-loopback address without PARLEY_API_KEYS set.", err=True)
        raise typer.Exit(2)
    from parley.store.migrate import upgrade

    upgrade(settings.database_url)  # once, before the workers start
    uvicorn.run(
        "parley.app:create_app", factory=True, host=host, port=port, workers=workers, log_level="info"
    )


@app.command()
def demo(
    port: Annotated[int, typer.Option(help="Port to listen on.")] = 8000,
    serve_http: Annotated[
        bool, typer.Option("--serve/--no-serve", help="Serve after loading the demo.")
    ] = True,
) -> None:
    """Create a local SQLite database, load the demo company (retail + telecom), serve and print the URLs."""
    import uvicorn

    from parley.app import create_app
    from parley.bootstrap import build_system
    from parley.config import get_settings
    from parley.demo import load_demo

    settings = get_settings()
    typer.echo("Preparing the demo (the first start trains the understanding model, about a minute)…")
    system = build_system(settings)
    report = load_demo(system.db)
    system.runtime.invalidate_caches()
    typer.echo(f"Demo data loaded into {settings.database_url}: {report.summary()}.")
    base = f"http://127.0.0.1:{port}"
    typer.echo(f"Web chat:  {base}/chat   (pick a customer, e.g. {base}/chat?customer=C-1001)")
    typer.echo(f"API docs:  {base}/docs")
    typer.echo("Terminal:  parley chat --customer C-1001")
    if serve_http:
        uvicorn.run(create_app(settings, system), host="127.0.0.1", port=port, log_level="warning")
    system.close()


@app.command()
def chat(
    customer: Annotated[str, typer.Option("--customer", help="The customer id to talk as.")],
    session: Annotated[str | None, typer.Option("--session", help="Continue this session.")] = None,
    channel: Annotated[str, typer.Option(help="The channel to record.")] = "web_chat",
    as_json: Annotated[
        bool, typer.Option("--json", help="One JSON object per reply, one message per line.")
    ] = False,
) -> None:
    """Talk to the agent in the terminal."""
    from parley.bootstrap import build_system
    from parley.engine.service import SessionOwnedElsewhere, UnknownCustomer
    from parley.engine.turn import InboundMessage

    system = build_system()
    session_id = session or f"cli-{uuid.uuid4().hex[:12]}"
    if system.backend.get_customer(customer) is None:
        typer.echo(f"Unknown customer: {customer}", err=True)
        raise typer.Exit(1)
    interactive = sys.stdin.isatty() and not as_json
    if interactive:
        typer.echo(f"Session {session_id}. Type your message; Ctrl-D to quit.")
    try:
        while True:
            if interactive:
                typer.echo("> ", nl=False)
            line = sys.stdin.readline()
            if not line:
                break
            text = line.strip()
            if not text:
                continue
            try:
                result = system.engine.handle(InboundMessage(session_id, customer, text, channel))
            except (UnknownCustomer, SessionOwnedElsewhere) as exc:
                typer.echo(f"Error: {type(exc).__name__}", err=True)
                raise typer.Exit(1) from exc
            if as_json:
                sys.stdout.write(json.dumps(result, ensure_ascii=False) + "\n")
                sys.stdout.flush()
            else:
                for reply in result["replies"]:
                    typer.echo(reply["text"])
                    if reply["quick_replies"]:
                        typer.echo("   [" + " | ".join(reply["quick_replies"]) + "]")
    finally:
        system.close()


def main() -> None:
    app()


if __name__ == "__main__":
    main()
