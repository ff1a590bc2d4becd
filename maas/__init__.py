"""The MaaS service: FastAPI app factory, settings, API routes, CLI (``maas``).

Thin on purpose: routing logic lives in ``routing``, feed parsing in ``feeds``.
"""
