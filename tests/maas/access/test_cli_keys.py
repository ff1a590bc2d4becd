"""``maas keys`` sub-app against a real Redis: create prints the key once, list, revoke."""

from __future__ import annotations

import json

import pytest
import redis
from typer.testing import CliRunner

from maas.access.keys import parse_key, verify_key
from maas.cli_keys import keys_app

runner = CliRunner()


def test_create_prints_the_key_once_and_stores_only_its_hash(redis_url: str) -> None:
    result = runner.invoke(keys_app, ["create", "--name", "Acme Transit", "--rate-per-min", "90",
                                      "--redis-url", redis_url])
    assert result.exit_code == 0, result.output
    key = result.stdout.strip()
    parts = parse_key(key)
    assert parts is not None
    key_id, secret = parts
    assert result.output.count(secret) == 1
    client = redis.Redis.from_url(redis_url)
    try:
        blob = repr([(name, client.hgetall(name)) for name in client.scan_iter()])
        assert "maas:key:" + key_id in blob and secret not in blob
        info = verify_key(client, key)
    finally:
        client.close()
    assert info is not None and info.rate_per_min == 90 and info.name == "Acme Transit"
    listed = runner.invoke(keys_app, ["list", "--redis-url", redis_url])
    assert listed.exit_code == 0 and key_id in listed.stdout and secret not in listed.stdout


def test_list_and_revoke_with_url_from_the_environment(redis_url: str,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MAAS_REDIS_URL", redis_url)
    key = runner.invoke(keys_app, ["create", "--name", "B", "--tier", "internal"]).stdout.strip()
    parts = parse_key(key)
    assert parts is not None
    key_id = parts[0]
    revoked = runner.invoke(keys_app, ["revoke", key_id])
    assert revoked.exit_code == 0 and key_id in revoked.stdout
    rows = json.loads(runner.invoke(keys_app, ["list", "--json"]).stdout)
    assert [(r["key_id"], r["tier"], r["revoked"], r["rate_per_min"]) for r in rows] == [
        (key_id, "internal", True, None)]
    client = redis.Redis.from_url(redis_url)
    try:
        assert verify_key(client, key) is None
    finally:
        client.close()


def test_errors_exit_non_zero(redis_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("MAAS_REDIS_URL", raising=False)
    no_redis = runner.invoke(keys_app, ["list"])
    assert no_redis.exit_code == 2 and "MAAS_REDIS_URL" in no_redis.output
    unknown = runner.invoke(keys_app, ["revoke", "0123456789abcdef", "--redis-url", redis_url])
    assert unknown.exit_code == 1
    bad_tier = runner.invoke(keys_app, ["create", "--name", "x", "--tier", "Bad Tier",
                                        "--redis-url", redis_url])
    assert bad_tier.exit_code == 2 and "tier" in bad_tier.output
    zero = runner.invoke(keys_app, ["create", "--name", "x", "--rate-per-min", "0",
                                    "--redis-url", redis_url])
    assert zero.exit_code == 2
