"""Secrets and signatures follow Standard Webhooks; a rotated secret keeps signing a while."""

from __future__ import annotations

import base64
from datetime import timedelta

import pytest
from django.utils import timezone
from standardwebhooks import Webhook
from standardwebhooks.webhooks import WebhookVerificationError

from projections.webhooks import delivery, sending, subscriptions
from projections.webhooks.signing import new_secret, signed_headers


def test_a_secret_is_whsec_and_base64_of_32_random_bytes():
    secret = new_secret()
    assert secret.startswith("whsec_")
    assert len(base64.b64decode(secret.removeprefix("whsec_"))) == 32
    assert new_secret() != secret


def test_every_signature_sent_verifies_with_its_own_secret():
    old, new = new_secret(), new_secret()
    body = '{"type":"cart.ItemAdded"}'
    headers = signed_headers(
        message_id="e1", sent_at=timezone.now(), body=body, secrets_in_use=[new, old]
    )
    assert len(headers["webhook-signature"].split(" ")) == 2
    assert Webhook(new).verify(body, headers) == {"type": "cart.ItemAdded"}
    assert Webhook(old).verify(body, headers) == {"type": "cart.ItemAdded"}
    with pytest.raises(WebhookVerificationError):
        Webhook(new_secret()).verify(body, headers)


def test_during_the_overlap_both_secrets_sign_and_after_it_only_the_new_one(
    receiver, subscribe, new_cart
):
    new_cart({"TEA-001": 1})
    sub = subscribe(receiver.url)
    old = sub.secret
    sub = subscriptions.rotate_secret(sub.pk, overlap=timedelta(hours=1))
    assert sub.secret != old
    assert sending.secrets_in_use(sub, timezone.now()) == [sub.secret, old]
    later = timezone.now() + timedelta(hours=1, seconds=1)
    assert sending.secrets_in_use(sub, later) == [sub.secret]
    delivery.deliver(sub.pk)
    request = receiver.received[0]
    assert Webhook(old).verify(request.body, request.headers)
    assert Webhook(sub.secret).verify(request.body, request.headers)
