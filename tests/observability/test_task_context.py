"""A Celery task sent during a request logs with that request's correlation id."""

from __future__ import annotations

import logging
from types import SimpleNamespace

from celery import shared_task

from observability import task_context
from observability.logs import correlation, current_correlation_id
from tests.observability.conftest import records

seen: list[str] = []


@shared_task(name="tests.note_correlation")
def note_correlation() -> str:
    seen.append(current_correlation_id())
    return current_correlation_id()


def worker_task(headers: dict[str, str]) -> SimpleNamespace:
    """A task as a worker hands it to the signals: each message header a request attribute
    (beside Celery's own, such as correlation_id, which is the task id)."""
    return SimpleNamespace(
        request=SimpleNamespace(headers=None, correlation_id="task-id", **headers)
    )


def test_a_task_published_during_a_request_carries_its_correlation_id_in_a_header():
    headers: dict[str, str] = {}
    with correlation("req-7"):
        task_context.add_correlation_header(headers=headers)
    assert headers == {"ledger_correlation_id": "req-7"}
    outside: dict[str, str] = {}
    task_context.add_correlation_header(headers=outside)
    assert outside == {}


def test_a_worker_running_the_task_binds_the_id_it_carried_until_the_task_ends(written_log):
    buffer = written_log("json")
    task = worker_task({"ledger_correlation_id": "req-7"})
    task_context.bind_task_correlation(task_id="t-1", task=task)
    logging.getLogger("carts.tasks").warning("sending the confirmation")
    task_context.unbind_task_correlation(task_id="t-1")
    assert current_correlation_id() == ""
    assert [line["correlation_id"] for line in records(buffer)] == ["req-7"]


def test_a_task_sent_without_an_id_leaves_the_bound_one_alone():
    with correlation("req-8"):
        task_context.bind_task_correlation(task_id="t-2", task=worker_task({}))
        task_context.unbind_task_correlation(task_id="t-2")
        assert current_correlation_id() == "req-8"


def test_a_task_run_in_process_keeps_the_requests_id():
    seen.clear()
    with correlation("req-9"):
        note_correlation.apply_async()
    assert seen == ["req-9"]


def test_a_task_applied_with_the_header_binds_it():
    seen.clear()
    note_correlation.apply(headers={"ledger_correlation_id": "req-10"})
    assert seen == ["req-10"]
    assert current_correlation_id() == ""
