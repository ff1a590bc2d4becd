"""Access control on a running app: keys, tiers, limits shared across apps, exempt paths."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest
import redis
from fastapi.testclient import TestClient

from maas.access.keys import create_key, revoke_key
from tests.maas.access.conftest import AppFactory

PROBLEM = "application/problem+json"


@pytest.fixture
def r(redis_url: str) -> Iterator[redis.Redis]:
    client = redis.Redis.from_url(redis_url)
    yield client
    client.close()


def assert_problem(resp: httpx.Response, status: int) -> dict[str, object]:
    assert resp.status_code == status, resp.text
    assert resp.headers["content-type"].startswith(PROBLEM)
    body: dict[str, object] = resp.json()
    assert body["status"] == status and body["title"] and body["detail"]
    return body


def test_anonymous_and_keyed_identities(make_app: AppFactory, r: redis.Redis) -> None:
    key_id, key = create_key(r, "Acme")
    with TestClient(make_app(), client=("203.0.113.9", 4000)) as c:
        anon = c.get("/v1/whoami")
        keyed = c.get("/v1/whoami", headers={"X-API-Key": key})
    assert anon.json() == {"kind": "anonymous", "tier": "anonymous", "key_id": None,
                           "rate_per_min": 3, "ip": "203.0.113.9"}
    assert keyed.json()["kind"] == "key" and keyed.json()["key_id"] == key_id
    assert keyed.json()["rate_per_min"] == 5  # the deployment default of keys
    assert keyed.headers["X-RateLimit-Limit"] == "5"
    assert keyed.headers["X-RateLimit-Remaining"] == "4"


def test_unknown_or_malformed_key_is_401_problem(make_app: AppFactory) -> None:
    with TestClient(make_app()) as c:
        for key in ("mk_0123456789abcdef_" + "a" * 43, "hello", ""):
            assert_problem(c.get("/v1/whoami", headers={"X-API-Key": key}), 401)


def test_revocation_applies_on_the_next_request_of_every_app(make_app: AppFactory,
                                                             r: redis.Redis) -> None:
    key_id, key = create_key(r, "Acme", rate_per_min=100)
    h = {"X-API-Key": key}
    with TestClient(make_app()) as a, TestClient(make_app()) as b:
        assert a.get("/v1/whoami", headers=h).status_code == 200
        assert b.get("/v1/whoami", headers=h).status_code == 200
        revoke_key(r, key_id)
        assert_problem(a.get("/v1/whoami", headers=h), 401)
        assert_problem(b.get("/v1/whoami", headers=h), 401)


def test_key_limit_is_shared_by_two_apps(make_app: AppFactory, r: redis.Redis) -> None:
    _, key = create_key(r, "Acme", rate_per_min=7)
    h = {"X-API-Key": key}
    with TestClient(make_app()) as a, TestClient(make_app()) as b:
        codes = [(a if i % 2 else b).get("/v1/whoami", headers=h).status_code for i in range(7)]
        assert codes == [200] * 7
        refused = a.get("/v1/whoami", headers=h)
        body = assert_problem(refused, 429)
        assert "7 requests per minute" in str(body["detail"])
        retry = int(refused.headers["Retry-After"])
        assert 1 <= retry <= 9  # the next token comes after 60 s / 7 = 8.6 s
        assert_problem(b.get("/v1/whoami", headers=h), 429)


def test_anonymous_limit_is_shared_by_two_apps_and_per_ip(make_app: AppFactory) -> None:
    a_app, b_app = make_app(anonymous=3), make_app(anonymous=3)
    with TestClient(a_app, client=("198.51.100.1", 1)) as a, \
            TestClient(b_app, client=("198.51.100.1", 2)) as b, \
            TestClient(b_app, client=("198.51.100.2", 3)) as other_ip:
        codes = [c.get("/v1/whoami").status_code for c in (a, b, a, b)]
        assert codes == [200, 200, 200, 429]
        assert other_ip.get("/v1/whoami").status_code == 200


def test_anonymous_tier_is_lower_than_key_tier(make_app: AppFactory, r: redis.Redis) -> None:
    _, key = create_key(r, "Acme")
    with TestClient(make_app(anonymous=2, keyed=6)) as c:
        anon = [c.get("/v1/whoami").status_code for _ in range(8)]
        keyed = [c.get("/v1/whoami", headers={"X-API-Key": key}).status_code for _ in range(8)]
    assert anon.count(200) == 2
    assert keyed.count(200) == 6


def test_ipv6_clients_share_their_64_prefix(make_app: AppFactory) -> None:
    app = make_app(anonymous=2)
    with TestClient(app, client=("2001:db8:1:2::1", 1)) as a, \
            TestClient(app, client=("2001:db8:1:2::ffff", 1)) as b:
        assert a.get("/v1/whoami").json()["ip"] == "2001:db8:1:2::/64"
        assert a.get("/v1/whoami").status_code == 200
        assert b.get("/v1/whoami").status_code == 429


@pytest.mark.parametrize("path", ["/healthz", "/openapi.json", "/docs", "/docs/oauth2-redirect",
                                  "/redoc"])
def test_exempt_paths_are_never_limited(make_app: AppFactory, path: str) -> None:
    with TestClient(make_app(anonymous=1)) as c:
        codes = {c.get(path, headers={"X-API-Key": "not-a-key"}).status_code for _ in range(5)}
        assert codes == {200}
        assert c.get("/v1/whoami").status_code == 200  # the budget was not spent
        assert c.get("/v1/whoami").status_code == 429


def test_unmatched_paths_are_limited_too(make_app: AppFactory) -> None:
    with TestClient(make_app(anonymous=1)) as c:
        assert_problem(c.get("/v1/nope"), 404)
        assert_problem(c.get("/v1/nope"), 429)


def test_embedded_mode_limits_in_process_and_refuses_keys(make_app: AppFactory) -> None:
    with TestClient(make_app(anonymous=2, redis=None)) as c:
        assert [c.get("/v1/whoami").status_code for _ in range(3)] == [200, 200, 429]
        body = assert_problem(c.get("/v1/whoami", headers={"X-API-Key": "mk_x_y"}), 401)
        assert "MAAS_REDIS_URL" in str(body["detail"])


def test_redis_down_degrades_to_process_limits(make_app: AppFactory) -> None:
    """With Redis unreachable, anonymous traffic is still limited (in process); keys get 503."""
    import socket

    with socket.socket() as s:  # a port nothing listens on
        s.bind(("127.0.0.1", 0))
        dead = f"redis://127.0.0.1:{s.getsockname()[1]}/0"
    with TestClient(make_app(anonymous=2, redis=dead)) as c:
        assert [c.get("/v1/whoami").status_code for _ in range(3)] == [200, 200, 429]
        resp = c.get("/v1/whoami", headers={"X-API-Key": "mk_0123456789abcdef_" + "a" * 43})
        assert_problem(resp, 503)
