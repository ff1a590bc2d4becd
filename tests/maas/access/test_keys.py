"""API keys in a real Redis: creation, hashing at rest, verification, listing, revocation."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator

import pytest
import redis

from maas.access.keys import (
    KEY_PREFIX,
    KeyNotFoundError,
    create_key,
    find_key,
    list_keys,
    parse_key,
    revoke_key,
    verify_key,
)


@pytest.fixture
def r(redis_url: str) -> Iterator[redis.Redis]:
    client = redis.Redis.from_url(redis_url)
    yield client
    client.close()


def dump_everything(client: redis.Redis) -> bytes:
    """Every key name and value of the database, concatenated (hashes, strings, sets...)."""
    out = []
    for name in client.scan_iter(count=1000):
        out.append(name)
        kind = client.type(name)
        if kind == b"hash":
            for k, v in client.hgetall(name).items():
                out += [k, v]
        elif kind == b"string":
            out.append(client.get(name) or b"")
        else:
            out.append(client.dump(name) or b"")
    return b"\n".join(out)


def test_created_key_is_stored_only_as_a_hash(r: redis.Redis) -> None:
    key_id, plaintext = create_key(r, "Acme Transit", "partner", 120)
    parts = parse_key(plaintext)
    assert parts is not None and parts[0] == key_id
    secret = parts[1]
    assert len(secret) == 43  # 32 random bytes, base64url
    everything = dump_everything(r)
    assert KEY_PREFIX.encode() + key_id.encode() in everything
    assert secret.encode() not in everything
    assert plaintext.encode() not in everything
    stored = r.hget(KEY_PREFIX + key_id, "secret_sha256")
    assert stored == hashlib.sha256(f"{key_id}.{secret}".encode()).hexdigest().encode()


def test_verify_accepts_the_key_and_nothing_close_to_it(r: redis.Redis) -> None:
    key_id, plaintext = create_key(r, "Acme", rate_per_min=None)
    info = verify_key(r, plaintext)
    assert info is not None
    assert (info.key_id, info.name, info.tier, info.rate_per_min, info.revoked) == (
        key_id, "Acme", "partner", None, False)
    flipped = plaintext[:-1] + ("A" if plaintext[-1] != "A" else "B")
    other_id = "0" * 16 if key_id != "0" * 16 else "1" * 16
    assert verify_key(r, flipped) is None
    assert verify_key(r, plaintext.replace(key_id, other_id)) is None
    assert verify_key(r, "") is None
    assert verify_key(r, "mk_" + key_id) is None
    assert verify_key(r, plaintext + "x") is None


def test_revoked_key_no_longer_verifies_but_stays_listed(r: redis.Redis) -> None:
    a, key_a = create_key(r, "A")
    b, key_b = create_key(r, "B", "internal", 1000)
    info = revoke_key(r, a)
    assert info.revoked and info.revoked_at is not None
    assert verify_key(r, key_a) is None
    assert verify_key(r, key_b) is not None
    listed = {k.key_id: k for k in list_keys(r)}
    assert set(listed) == {a, b}
    assert listed[a].revoked and not listed[b].revoked
    assert listed[b].tier == "internal" and listed[b].rate_per_min == 1000


def test_revoke_unknown_key_raises(r: redis.Redis) -> None:
    with pytest.raises(KeyNotFoundError, match="0123456789abcdef"):
        revoke_key(r, "0123456789abcdef")
    assert find_key(r, "0123456789abcdef") is None


@pytest.mark.parametrize(("name", "tier", "rate"), [
    ("", "partner", None), ("x", "Partner!", None), ("x", "partner", 0),
])
def test_create_rejects_bad_fields(r: redis.Redis, name: str, tier: str, rate: int | None) -> None:
    with pytest.raises(ValueError, match=r"name|tier|rate_per_min"):
        create_key(r, name, tier, rate)
    assert list(r.scan_iter()) == []


def test_parse_key_rejects_malformed_tokens() -> None:
    secret = "a" * 43
    assert parse_key(f"mk_{'f' * 16}_{secret}") == ("f" * 16, secret)
    for bad in (f"mx_{'f' * 16}_{secret}", f"mk_{'F' * 16}_{secret}", f"mk_{'f' * 15}_{secret}",
                f"mk_{'f' * 16}{secret}", f"mk_{'f' * 16}_{secret[:-1]}"):
        assert parse_key(bad) is None, bad
