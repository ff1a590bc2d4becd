"""Structured logs: one JSON object per line, carrying the request id of the current request.

Every line has ``ts`` (UTC ISO-8601, milliseconds), ``level``, ``logger``, ``msg`` and
``request_id`` (``null`` outside a request); access-log lines add ``method``, ``path``,
``status``, ``duration_ms`` and ``client`` (plus ``key_id`` for keyed callers); a logged
exception adds ``exc``. The request id travels in a context variable, so any logger used while a
request is served (routes, planner threads started with ``anyio.to_thread``) tags its lines.
"""

from __future__ import annotations

import json
import logging
import sys
from contextvars import ContextVar
from datetime import UTC, datetime
from typing import Any, TextIO

#: The id of the request being served in this context.
REQUEST_ID: ContextVar[str | None] = ContextVar("maas_request_id", default=None)
#: Extra record attributes copied into the JSON line when present (access-log fields).
ACCESS_FIELDS = ("method", "path", "status", "duration_ms", "client", "key_id")
_MARK = "_maas_json_handler"


class JsonFormatter(logging.Formatter):
    """Format a record as one JSON object (no newline inside; non-JSON values as strings)."""

    def format(self, record: logging.LogRecord) -> str:
        """The JSON line of ``record``."""
        ts = datetime.fromtimestamp(record.created, tz=UTC)
        body: dict[str, Any] = {
            "ts": ts.isoformat(timespec="milliseconds").replace("+00:00", "Z"),
            "level": record.levelname,
            "logger": record.name,
            "msg": record.getMessage(),
            "request_id": getattr(record, "request_id", None) or REQUEST_ID.get(),
        }
        for name in ACCESS_FIELDS:
            if hasattr(record, name):
                body[name] = getattr(record, name)
        if record.exc_info:
            body["exc"] = self.formatException(record.exc_info)
        return json.dumps(body, ensure_ascii=False, default=str)


def configure_json_logging(level: str = "INFO", stream: TextIO | None = None) -> logging.Handler:
    """Send every log record to ``stream`` (default stderr) as JSON lines; idempotent.

    The root logger gets one JSON handler (a previous one installed here is replaced, other
    handlers are kept) at ``level``. uvicorn's loggers are routed through it too, except
    ``uvicorn.access`` which is silenced: the observability middleware writes the access log.

    Returns
    -------
    logging.Handler
        The installed handler (remove it with ``logging.getLogger().removeHandler``).
    """
    root = logging.getLogger()
    for old in [h for h in root.handlers if getattr(h, _MARK, False)]:
        root.removeHandler(old)
    handler = logging.StreamHandler(stream if stream is not None else sys.stderr)
    handler.setFormatter(JsonFormatter())
    setattr(handler, _MARK, True)
    root.addHandler(handler)
    root.setLevel(level.upper())
    for name in ("uvicorn", "uvicorn.error"):
        logger = logging.getLogger(name)
        logger.handlers.clear()
        logger.propagate = True
    access = logging.getLogger("uvicorn.access")
    access.handlers[:] = [logging.NullHandler()]
    access.propagate = False
    return handler
