"""Observability: Prometheus metrics, structured JSON logs and request ids.

:func:`maas.observability.middleware.install_observability` installs all three on an app: every
request gets an id (``X-Request-ID`` taken from the caller when well-formed, else generated, and
echoed in the response), one JSON access-log line, and an observation in the latency histogram of
its route template. Metrics live in a per-app registry (``app.state.metrics``), never in the
process-global one, so several apps can share a process (tests) and the planner records
``maas_plan_latency_seconds`` through the app state.
"""
