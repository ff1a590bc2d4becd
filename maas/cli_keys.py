"""``maas keys``: create, list and revoke partner API keys in Redis.

The plaintext key is printed once, on stdout alone (so ``KEY=$(maas keys create ...)`` works);
only its hash is stored, so a lost key cannot be shown again: revoke it and create another.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Annotated

import redis
import typer
from rich.console import Console
from rich.table import Table

from maas.access.keys import KeyNotFoundError, create_key, list_keys, revoke_key

keys_app = typer.Typer(help="Manage partner API keys (stored in Redis).", no_args_is_help=True,
                       add_completion=False)
_err = Console(stderr=True)

RedisUrlOpt = Annotated[str | None, typer.Option(
    "--redis-url", envvar="MAAS_REDIS_URL", help="Redis holding the keys (env MAAS_REDIS_URL).",
)]


def _connect(url: str | None) -> redis.Redis:
    if not url:
        _err.print("[red]no Redis:[/red] pass --redis-url or set MAAS_REDIS_URL")
        raise typer.Exit(2)
    client = redis.Redis.from_url(url, socket_connect_timeout=5.0)
    try:
        client.ping()
    except redis.RedisError as exc:
        _err.print(f"[red]cannot reach Redis at {url}:[/red] {exc}")
        raise typer.Exit(2) from None
    return client


def _when(unix_s: int | None) -> str:
    if unix_s is None:
        return ""
    return datetime.fromtimestamp(unix_s, tz=UTC).isoformat(timespec="seconds")


@keys_app.command("create")
def create(
    name: Annotated[str, typer.Option("--name", help="Who the key is issued to.")],
    tier: Annotated[str, typer.Option("--tier", help="Tier label.")] = "partner",
    rate_per_min: Annotated[int | None, typer.Option(
        "--rate-per-min", min=1, help="Requests per minute (default: MAAS_KEY_RATE_PER_MIN).",
    )] = None,
    redis_url: RedisUrlOpt = None,
) -> None:
    """Create a key and print it once (stdout); only its hash is stored."""
    client = _connect(redis_url)
    try:
        key_id, plaintext = create_key(client, name, tier, rate_per_min)
    except ValueError as exc:
        _err.print(f"[red]invalid:[/red] {exc}")
        raise typer.Exit(2) from None
    finally:
        client.close()
    typer.echo(plaintext)
    _err.print(f"created key {key_id} for {name!r} (tier {tier}); it is shown only this once")


@keys_app.command("list")
def list_(
    as_json: Annotated[bool, typer.Option("--json", help="One JSON array on stdout.")] = False,
    redis_url: RedisUrlOpt = None,
) -> None:
    """List every key (id, holder, tier, budget, dates); never secrets."""
    client = _connect(redis_url)
    try:
        keys = list_keys(client)
    finally:
        client.close()
    if as_json:
        typer.echo(json.dumps([
            {"key_id": k.key_id, "name": k.name, "tier": k.tier, "rate_per_min": k.rate_per_min,
             "created_at": _when(k.created_at), "revoked": k.revoked,
             "revoked_at": _when(k.revoked_at) or None}
            for k in keys
        ]))
        return
    table = Table("key_id", "name", "tier", "rate/min", "created", "revoked")
    for k in keys:
        table.add_row(k.key_id, k.name, k.tier,
                      "default" if k.rate_per_min is None else str(k.rate_per_min),
                      _when(k.created_at), _when(k.revoked_at) if k.revoked else "")
    Console(width=160).print(table)


@keys_app.command("revoke")
def revoke(
    key_id: Annotated[str, typer.Argument(help="Id of the key (the part after mk_).")],
    redis_url: RedisUrlOpt = None,
) -> None:
    """Revoke KEY_ID; every API process refuses it from the next request on."""
    client = _connect(redis_url)
    try:
        info = revoke_key(client, key_id)
    except KeyNotFoundError as exc:
        _err.print(f"[red]{exc}[/red]")
        raise typer.Exit(1) from None
    finally:
        client.close()
    typer.echo(f"revoked {info.key_id} ({info.name})")
