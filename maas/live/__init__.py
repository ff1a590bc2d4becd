"""Live state: versioned blobs per feed in a store (Redis or in-process), decoded lazily.

A *feed* (``gbfs:velotm``, ``ocpi:locations``, ``gbfs:demo_carshare``...) is written whole by
one writer (the worker, or the API's embedded demo thread) with :meth:`LiveStore.put`, which
bumps the feed's version. Readers keep decoded objects per ``(feed, version)`` and only
re-decode when the version changes. Data older than its staleness limit (derived from the
feed's ttl) is shown as stale and never used for routing.
"""
