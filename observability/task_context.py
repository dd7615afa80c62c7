"""A Celery task sent while a request is served carries its correlation id, so the task's log
records say which request set it off.

The id travels as the message header ``ledger_correlation_id`` (added as the task is published;
not ``correlation_id``, which Celery's request already has: the task id) and is bound while a
worker runs the task. Run in-process (no broker) the task already runs inside the
request's context, and a task sent with no id leaves whatever is bound alone.
"""

from __future__ import annotations

import contextvars
from typing import Any

from celery.signals import before_task_publish, task_postrun, task_prerun

from observability.logs import bind_correlation_id, current_correlation_id, unbind_correlation_id

HEADER = "ledger_correlation_id"
# Bound ids by task id, to unbind exactly what was bound when the task ends.
_bound: dict[str, contextvars.Token[str]] = {}


def connect() -> None:
    """Connect the three signal receivers (idempotent)."""
    before_task_publish.connect(add_correlation_header, dispatch_uid="observability.publish")
    task_prerun.connect(bind_task_correlation, dispatch_uid="observability.prerun")
    task_postrun.connect(unbind_task_correlation, dispatch_uid="observability.postrun")


def add_correlation_header(headers: dict[str, Any] | None = None, **_: Any) -> None:
    """before_task_publish: put the current correlation id in the message's headers."""
    correlation_id = current_correlation_id()
    if correlation_id and headers is not None:
        headers.setdefault(HEADER, correlation_id)


def bind_task_correlation(task_id: str = "", task: Any = None, **_: Any) -> None:
    """task_prerun: bind the id the message carried, if it carried one."""
    # A worker makes each message header an attribute of the request; an eager run keeps
    # the headers it was given in request.headers.
    request = getattr(task, "request", None)
    headers = getattr(request, "headers", None) or {}
    correlation_id = getattr(request, HEADER, None) or headers.get(HEADER)
    if correlation_id and task_id:
        _bound[task_id] = bind_correlation_id(str(correlation_id))


def unbind_task_correlation(task_id: str = "", **_: Any) -> None:
    """task_postrun: unbind what prerun bound for this task."""
    token = _bound.pop(task_id, None)
    if token is not None:
        unbind_correlation_id(token)
