"""STPT Timisoara: the Tranzy network export (no timetable) turned into an estimated GTFS feed.

The Tranzy export of the STPT network has stops, routes, one trip per route direction, stop
sequences and shapes, but no times and no calendar.  This package adds them:

- ``network``: reads the export (plain CSV in a zip) and cleans route names;
- ``traces``: reads STPT AVL position traces and live vehicle snapshots (used at estimation
  time only, never redistributed);
- ``linear_ref``: projects points on a shape in a local metric plane (linear referencing);
- ``estimator``: observed trips from the traces, estimated trips (speed by mode and hour,
  headway from vehicles seen) for every other line, and the report;
- ``gtfs_writer``: a deterministic GTFS zip writer (sorted rows, fixed zip timestamps).
"""
