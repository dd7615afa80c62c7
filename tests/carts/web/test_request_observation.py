"""Every request is counted by method and status class, timed, and answered with its id."""

from __future__ import annotations

import uuid

import pytest
from django.test import Client

from tests.metric_samples import Counted

REQUESTS = "ledger_http_requests_total"


@pytest.mark.django_db
def test_a_request_is_counted_by_method_and_status_class_and_timed(catalog):
    counted = Counted(
        (REQUESTS, {"method": "GET", "status": "2xx"}),
        (REQUESTS, {"method": "GET", "status": "4xx"}),
        ("ledger_http_request_seconds_count", {}),
    )
    client = Client()
    client.get("/")
    client.get("/products/NOPE-1/")
    assert counted.added() == [1.0, 1.0, 2.0]


def test_a_method_nobody_defined_is_counted_as_other_not_under_its_own_name():
    counted = Counted((REQUESTS, {"method": "other", "status": "4xx"}))
    response = Client().generic("BREW", "/metrics", REMOTE_ADDR="127.0.0.1")
    assert response.status_code == 405
    assert counted.added() == [1.0]


@pytest.mark.django_db
def test_every_answer_carries_its_correlation_id_and_a_valid_one_sent_comes_back(catalog):
    made = Client().get("/")["X-Correlation-ID"]
    assert str(uuid.UUID(made)) == made
    sent = "shop-front:42"
    assert Client().get("/", headers={"X-Correlation-ID": sent})["X-Correlation-ID"] == sent
