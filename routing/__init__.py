"""Routing core of the Timisoara MaaS backend.

The core works on an immutable :class:`~routing.network.Network` made of flat numpy arrays
(int32 ids, integer seconds and metres).  It never imports pandas, FastAPI, Redis or the
``feeds``/``maas`` packages; networkx is allowed only in build-time helpers and test oracles.

Vocabulary (GTFS words first):

* *stop* -- a GTFS stop or platform (``StopIdx``).
* *route* -- a GTFS route (line), used for names only.
* *pattern* -- the set of trips of one route sharing an identical stop sequence and never
  overtaking each other (what RAPTOR calls a "route").
* *trip* -- one run of a vehicle along a pattern on a service day (``TripIdx``).
* *service day* -- the calendar date a trip's times are relative to; times past 24:00:00
  belong to the previous service day.
"""
