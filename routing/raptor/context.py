"""One numba struct per (state, day, transfer setting): a query passes one object, not ~50 arrays.

Calling a numba kernel costs about 0.1 µs per array argument to unbox (tuples of arrays
included); the RAPTOR kernels take some fifty.  On a small feed that is a third of an
earliest-arrival query.  :class:`QueryContext` bundles every array a forward earliest-arrival
query reads (timetable, resolved transfers, the day's active-trip index, labels, scratch, lower
bound graph) in a numba ``StructRef``: one pointer to unbox.
:func:`routing.raptor.kernels.arrival_time` then runs the whole query - reset, lower bounds,
RAPTOR, best arrival - in one compiled call.  The query's options (``opts``) and, for a
stop-to-stop query, its stops and times (``one``) are small arrays shared with the Python side,
which writes them before the call: the call then passes nothing but the context.
"""

from __future__ import annotations

from typing import Any

from numba import types
from numba.experimental import structref


@structref.register
class QueryContextType(types.StructRef):
    """Numba type of :class:`QueryContext` (fields typed from the arrays it is built with)."""

    def preprocess_fields(self, fields: Any) -> tuple[tuple[str, Any], ...]:
        return tuple((name, types.unliteral(typ)) for name, typ in fields)


class QueryContext(structref.StructRefProxy):
    """Arrays of one forward earliest-arrival setting; built by
    :meth:`routing.raptor.state.RaptorState.query_context`, shared by its queries."""


_FIELDS = (
    "net", "rt", "xfer", "act", "lab", "scr", "tgt_index", "ride", "xin", "lb", "no_lb", "heap",
    "opts", "one", "nonfifo",
)
structref.define_proxy(QueryContext, QueryContextType, list(_FIELDS))


def make_context(**arrays: Any) -> QueryContext:
    """A context from the named arrays (see ``_FIELDS``)."""
    return QueryContext(*(arrays[name] for name in _FIELDS))
