"""Every webhook request sent is counted by outcome, and every failure by its reason."""

from __future__ import annotations

import pytest

from projections.webhooks import delivery, transport
from projections.webhooks.models import WebhookDelivery
from projections.webhooks.redelivery import redeliver
from tests.metric_samples import Counted

SENDS = "ledger_webhook_sends_total"
FAILURES = "ledger_webhook_send_failures_total"


def test_deliveries_retries_and_a_failure_are_counted_as_the_log_records_them(
    receiver, subscribe, new_cart, run_until_quiet, settings
):
    settings.WEBHOOKS_RETRY_SCHEDULE = [5]
    new_cart()  # one event: CartCreated
    new_cart()
    receiver.script = [200, 503, 503]
    counted = Counted(
        (SENDS, {"outcome": "delivered"}),
        (SENDS, {"outcome": "retrying"}),
        (SENDS, {"outcome": "failed"}),
        (FAILURES, {"reason": "status_5xx"}),
    )
    sub = subscribe(receiver.url)
    run_until_quiet(sub)
    assert counted.added() == [1.0, 1.0, 1.0, 2.0]
    assert WebhookDelivery.objects.count() == 3


def test_a_redelivery_is_counted_as_one(receiver, subscribe, new_cart):
    new_cart()
    sub = subscribe(receiver.url)
    delivery.deliver(sub.pk)
    counted = Counted((SENDS, {"outcome": "redelivered"}))
    redeliver(WebhookDelivery.objects.get().pk)
    assert counted.added() == [1.0]


def test_a_receiver_that_is_down_is_counted_as_a_connection_failure(receiver, subscribe, new_cart):
    new_cart()
    sub = subscribe(receiver.url)
    receiver.server.stop()
    counted = Counted((FAILURES, {"reason": "connection"}), (SENDS, {"outcome": "retrying"}))
    delivery.deliver(sub.pk)
    assert counted.added() == [1.0, 1.0]


@pytest.mark.parametrize(
    ("answer", "reason"),
    [
        (transport.Answer(200, 3), ""),
        (transport.Answer(404, 3), "status_4xx"),
        (transport.Answer(302, 3), "status_other"),
        (transport.Answer(None, 300, "timeout: ReadTimeout"), "timeout"),
        (transport.Answer(None, 0, "refused: 10.0.0.1 is a private address"), "refused"),
        (transport.Answer(None, 1, "connection error: ConnectError()"), "connection"),
    ],
)
def test_a_failure_is_named_by_one_of_a_few_reasons(answer, reason):
    assert answer.failure_reason == reason
