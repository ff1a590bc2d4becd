"""Ingestion: dirty external data (GTFS, GTFS-RT, GBFS, OCPI, OSM) into clean networks and overlays.

Every reader returns ``(result, IngestReport)``; bad entities are counted and skipped, and only
structurally unusable input raises a :class:`feeds.errors.FeedError`.  ``feeds`` may import
``routing``, never ``maas``.
"""
