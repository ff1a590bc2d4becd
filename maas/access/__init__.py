"""Partner access: API keys, caller identity and per-client rate limits.

Concepts
--------
client
    Who is calling. A request with an ``X-API-Key`` header is a *keyed* client (identity: the key
    id, tier and budget stored in Redis); a request without one is *anonymous* and identified by
    its IP address (its /64 network for IPv6), with the smaller ``anonymous_rate_per_min`` budget.
key
    ``mk_<key_id>_<secret>``. Redis holds the key's metadata and a SHA-256 of its secret under
    ``maas:key:<key_id>``; the plaintext is shown once by ``maas keys create`` and never stored.
rate limit
    A GCRA (generic cell rate algorithm, the virtual-scheduling form of a token bucket) per
    client: ``rate_per_min`` requests may be made at once, then one every ``60 / rate_per_min``
    seconds. With Redis the state lives in Redis and is updated by one Lua script, so the budget
    holds across every API process; in the embedded mode an in-process limiter applies the same
    arithmetic.

Everything is installed on an app by :func:`maas.access.middleware.install_access_control`;
routes read the caller through :data:`maas.access.middleware.ClientDep`.
"""
