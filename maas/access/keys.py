"""API keys stored in Redis: create, list, revoke and verify.

A key reads ``mk_<key_id>_<secret>``: ``key_id`` is 16 hex digits (public, shown in listings and
logs), ``secret`` is 32 random bytes in URL-safe base64. Redis keeps one hash per key under
``maas:key:<key_id>`` with the fields ``name``, ``tier``, ``rate_per_min`` (empty = the
deployment default), ``created_at`` and ``revoked_at`` (Unix seconds), ``revoked`` (``0``/``1``)
and ``secret_sha256`` (hex). The plaintext secret is returned once by :func:`create_key` and never
written anywhere.

Why plain SHA-256 and not a password hash (scrypt, argon2): the secret is 256 bits drawn from
``secrets.token_bytes``, not something a person chose, so there is no dictionary to try and an
exhaustive search of 2**256 values stays out of reach whatever the hash costs; a slow KDF would
only add milliseconds of CPU to *every* request. The digest also covers the key id
(``sha256(key_id + "." + secret)``), so a stored digest cannot be moved to another key's record.
Comparison is constant-time (:func:`hmac.compare_digest`).

Revocation sets ``revoked=1`` in the same record that every request reads, so it takes effect
for all API processes on their next request; no process caches key records.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import redis
import redis.asyncio

#: Prefix of every key record in Redis.
KEY_PREFIX = "maas:key:"
#: Prefix of every key presented by a client.
TOKEN_PREFIX = "mk_"
_KEY_ID_RE = re.compile(r"[0-9a-f]{16}")
_SECRET_RE = re.compile(r"[A-Za-z0-9_-]{43}")
_TIER_RE = re.compile(r"[a-z][a-z0-9_-]{0,31}")


class KeyNotFoundError(LookupError):
    """No key record exists for the given key id."""


@dataclass(frozen=True, slots=True)
class KeyInfo:
    """The stored metadata of one API key (never its secret).

    Attributes
    ----------
    key_id : str
        Public id (16 hex digits).
    name : str
        Who the key was issued to.
    tier : str
        Access tier label, e.g. ``"partner"``.
    rate_per_min : int | None
        Request budget per minute; ``None`` = the deployment default (``key_rate_per_min``).
    created_at : int
        Unix seconds.
    revoked : bool
        Whether the key was revoked.
    revoked_at : int | None
        Unix seconds of the revocation.
    """

    key_id: str
    name: str
    tier: str
    rate_per_min: int | None
    created_at: int
    revoked: bool = False
    revoked_at: int | None = None


def _text(value: bytes | str) -> str:
    return value.decode() if isinstance(value, bytes) else value


def _record(raw: Mapping[Any, Any]) -> dict[str, str]:
    return {_text(k): _text(v) for k, v in raw.items()}


def _digest(key_id: str, secret: str) -> str:
    return hashlib.sha256(f"{key_id}.{secret}".encode()).hexdigest()


def _info(key_id: str, rec: Mapping[str, str]) -> KeyInfo:
    rate = rec.get("rate_per_min", "")
    revoked_at = rec.get("revoked_at", "")
    return KeyInfo(
        key_id=key_id, name=rec.get("name", ""), tier=rec.get("tier", ""),
        rate_per_min=int(rate) if rate else None, created_at=int(rec.get("created_at", "0")),
        revoked=rec.get("revoked", "0") == "1", revoked_at=int(revoked_at) if revoked_at else None,
    )


def parse_key(token: str) -> tuple[str, str] | None:
    """Split a presented key into ``(key_id, secret)``; ``None`` when it is malformed."""
    if not token.startswith(TOKEN_PREFIX):
        return None
    key_id, sep, secret = token[len(TOKEN_PREFIX):].partition("_")
    if not sep or not _KEY_ID_RE.fullmatch(key_id) or not _SECRET_RE.fullmatch(secret):
        return None
    return key_id, secret


def create_key(client: redis.Redis, name: str, tier: str = "partner",
               rate_per_min: int | None = None) -> tuple[str, str]:
    """Create a key and return ``(key_id, plaintext)``; the plaintext is not stored.

    Parameters
    ----------
    client : redis.Redis
        Synchronous Redis client.
    name : str
        Who the key is issued to (non-empty).
    tier : str
        Tier label: lowercase letters, digits, ``-`` or ``_`` (at most 32 characters).
    rate_per_min : int | None
        Budget in requests per minute (>= 1); ``None`` = the deployment's ``key_rate_per_min``.
    """
    if not name.strip():
        raise ValueError("name: must not be empty")
    if not _TIER_RE.fullmatch(tier):
        raise ValueError(f"tier: must match {_TIER_RE.pattern} (got {tier!r})")
    if rate_per_min is not None and rate_per_min < 1:
        raise ValueError(f"rate_per_min: must be >= 1 (got {rate_per_min})")
    secret = secrets.token_urlsafe(32)  # 32 bytes -> 43 base64url characters
    for _ in range(8):
        key_id = secrets.token_hex(8)
        record: dict[str | bytes, str] = {
            "name": name.strip(), "tier": tier,
            "rate_per_min": "" if rate_per_min is None else str(rate_per_min),
            "created_at": str(int(time.time())), "revoked": "0", "revoked_at": "",
            "secret_sha256": _digest(key_id, secret),
        }
        # WATCH + MULTI: the record is written whole, and only if the id is still free.
        with client.pipeline(transaction=True) as pipe:
            try:
                pipe.watch(KEY_PREFIX + key_id)
                if pipe.exists(KEY_PREFIX + key_id):
                    continue
                pipe.multi()
                pipe.hset(KEY_PREFIX + key_id, mapping=record)  # type: ignore[arg-type]
                pipe.execute()
            except redis.WatchError:
                continue
        return key_id, f"{TOKEN_PREFIX}{key_id}_{secret}"
    raise RuntimeError("could not allocate a unique key id")  # 2**64 ids: never in practice


def find_key(client: redis.Redis, key_id: str) -> KeyInfo | None:
    """The metadata of ``key_id``, or ``None`` when there is no such key."""
    raw = client.hgetall(KEY_PREFIX + key_id)
    return _info(key_id, _record(raw)) if raw else None


def list_keys(client: redis.Redis) -> list[KeyInfo]:
    """Every key (revoked ones included), oldest first."""
    found = []
    for name in client.scan_iter(match=KEY_PREFIX + "*", count=500):
        key_id = _text(name)[len(KEY_PREFIX):]
        if not _KEY_ID_RE.fullmatch(key_id):
            continue
        info = find_key(client, key_id)
        if info is not None:
            found.append(info)
    return sorted(found, key=lambda k: (k.created_at, k.key_id))


def revoke_key(client: redis.Redis, key_id: str) -> KeyInfo:
    """Revoke ``key_id`` for every process at once; raise :class:`KeyNotFoundError` if unknown."""
    if not client.exists(KEY_PREFIX + key_id):
        raise KeyNotFoundError(f"key_id: no API key {key_id!r}")
    client.hset(KEY_PREFIX + key_id, mapping={"revoked": "1", "revoked_at": str(int(time.time()))})
    info = find_key(client, key_id)
    assert info is not None
    return info


def _check(key_id: str, secret: str, raw: Mapping[Any, Any]) -> KeyInfo | None:
    if not raw:
        # Still hash once so unknown ids cost the same as wrong secrets.
        hmac.compare_digest(_digest(key_id, secret), "0" * 64)
        return None
    rec = _record(raw)
    if not hmac.compare_digest(_digest(key_id, secret), rec.get("secret_sha256", "")):
        return None
    info = _info(key_id, rec)
    return None if info.revoked else info


def verify_key(client: redis.Redis, header: str) -> KeyInfo | None:
    """The key presented in ``header`` when it is known, unrevoked and its secret matches."""
    parts = parse_key(header.strip())
    if parts is None:
        return None
    raw = client.hgetall(KEY_PREFIX + parts[0])
    return _check(parts[0], parts[1], raw)


async def verify_key_async(client: redis.asyncio.Redis, header: str) -> KeyInfo | None:
    """:func:`verify_key` for an asyncio Redis client (used on the request path)."""
    parts = parse_key(header.strip())
    if parts is None:
        return None
    raw = await client.hgetall(KEY_PREFIX + parts[0])
    return _check(parts[0], parts[1], raw)
