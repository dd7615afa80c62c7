"""Targets on private, loopback, link-local and other non-global addresses are refused, when
subscribing and again when delivering, unless WEBHOOKS_ALLOWED_NETWORKS lists them."""

from __future__ import annotations

import socket

import pytest

from projections.webhooks import delivery, targets
from projections.webhooks.models import WebhookDelivery, WebhookSubscription
from projections.webhooks.subscriptions import Changes, InvalidSubscription, create

NOT_PUBLIC = [
    "http://127.0.0.1:8000/hook",
    "http://10.1.2.3/hook",
    "http://192.168.0.10/hook",
    "http://172.16.5.4/hook",
    "http://169.254.169.254/latest/meta-data/",
    "http://[::1]:9000/hook",
    "http://[fe80::1]/hook",
    "http://[fd00::1]/hook",
    "http://[::ffff:10.0.0.1]/hook",
    "http://0.0.0.0/hook",
    "http://100.64.0.1/hook",
    "http://224.0.0.1/hook",
    "http://localhost:8000/hook",
]


def resolving_to(monkeypatch, *addresses: str) -> list[str]:
    """Make every name resolve to ``addresses``; returns the list of names looked up."""
    asked: list[str] = []

    def fake(host, port, *args, **kwargs):
        asked.append(host)
        return [
            (socket.AF_INET6 if ":" in a else socket.AF_INET, socket.SOCK_STREAM, 6, "", (a, port))
            for a in addresses
        ]

    monkeypatch.setattr(targets.socket, "getaddrinfo", fake)
    return asked


@pytest.mark.parametrize("url", NOT_PUBLIC)
def test_a_non_public_target_is_refused_when_subscribing(db, url):
    with pytest.raises(InvalidSubscription) as refused:
        create(Changes(target_url=url), created_by="user:1")
    assert refused.value.code == "target_not_allowed"
    assert refused.value.field == "target_url"
    assert not WebhookSubscription.objects.exists()


def test_a_name_resolving_to_loopback_is_refused(db, monkeypatch):
    resolving_to(monkeypatch, "93.184.215.14", "127.0.0.1")
    with pytest.raises(targets.TargetRefused) as refused:
        targets.check("https://hooks.example.com/in")
    assert refused.value.code == "target_not_allowed"
    assert "127.0.0.1" in refused.value.message


def test_a_public_address_is_allowed_and_is_the_one_connected_to(monkeypatch):
    asked = resolving_to(monkeypatch, "93.184.215.14")
    target = targets.check("https://hooks.example.com/in")
    assert str(target.address) == "93.184.215.14"
    assert (target.host, target.port) == ("hooks.example.com", 443)
    assert asked == ["hooks.example.com"]


def test_an_allowed_network_lets_its_addresses_through_and_no_others(settings):
    settings.WEBHOOKS_ALLOWED_NETWORKS = ["127.0.0.1/32"]
    assert str(targets.check("http://127.0.0.1:9/x").address) == "127.0.0.1"
    with pytest.raises(targets.TargetRefused):
        targets.check("http://127.0.0.2:9/x")
    with pytest.raises(targets.TargetRefused):
        targets.check("http://[::1]:9/x")


@pytest.mark.parametrize(
    ("url", "code"),
    [
        ("ftp://example.com/x", "invalid_target_url"),
        ("https://user:pw@example.com/x", "invalid_target_url"),
        ("https:///x", "invalid_target_url"),
        ("https://example.com:99999/x", "invalid_target_url"),
        ("example.com/x", "invalid_target_url"),
        ("https://no-such-host.invalid/x", "target_unresolvable"),
    ],
)
def test_malformed_or_unresolvable_targets_are_refused(url, code):
    with pytest.raises(targets.TargetRefused) as refused:
        targets.check(url)
    assert refused.value.code == code


def test_a_name_that_turns_private_after_subscribing_is_refused_at_delivery_and_pauses(
    receiver, subscribe, new_cart, monkeypatch, clock
):
    new_cart()
    resolving_to(monkeypatch, "93.184.215.14")
    sub = subscribe(f"http://hooks.example.com:{receiver.server.port}/hook")
    asked = resolving_to(monkeypatch, "10.0.0.7")  # DNS now answers a private address
    assert delivery.deliver(sub.pk, clock=clock) == 0
    sub.refresh_from_db()
    assert receiver.received == []
    assert asked == ["hooks.example.com"]  # resolved once, and that answer was judged
    assert sub.status == WebhookSubscription.Status.PAUSED
    assert "10.0.0.7" in sub.paused_reason
    assert WebhookDelivery.objects.get().outcome == WebhookDelivery.Outcome.REFUSED


def test_the_request_goes_to_the_checked_address_with_the_name_as_host(
    receiver, subscribe, new_cart, monkeypatch
):
    new_cart()
    resolving_to(monkeypatch, "127.0.0.1")
    sub = subscribe(f"http://hooks.example.com:{receiver.server.port}/hook")
    assert delivery.deliver(sub.pk) == 1
    assert receiver.received[0].headers["host"] == f"hooks.example.com:{receiver.server.port}"


def test_a_name_that_stops_resolving_is_retried_not_paused(
    receiver, subscribe, new_cart, monkeypatch, clock
):
    new_cart()
    resolving_to(monkeypatch, "127.0.0.1")
    sub = subscribe(f"http://hooks.example.com:{receiver.server.port}/hook")

    def no_answer(*args, **kwargs):
        raise socket.gaierror(socket.EAI_AGAIN, "Temporary failure in name resolution")

    monkeypatch.setattr(targets.socket, "getaddrinfo", no_answer)
    assert delivery.deliver(sub.pk, clock=clock) == 0
    sub.refresh_from_db()
    assert sub.status == WebhookSubscription.Status.ACTIVE
    assert sub.attempts == 1
    assert WebhookDelivery.objects.get().outcome == WebhookDelivery.Outcome.RETRYING


@pytest.mark.parametrize(
    "url",
    [
        "http://[64:ff9b::7f00:1]/",  # NAT64 of 127.0.0.1
        "http://[64:ff9b::a9fe:a9fe]/",  # NAT64 of 169.254.169.254
        "http://[2002:7f00:1::]/",  # 6to4 of 127.0.0.1
        "http://[2001:0:4136:e378:8000:63bf:f5ff:fffe]/",  # Teredo of 10.0.0.1
        "http://[64:ff9b:1::7f00:1]/",  # local-use NAT64
        "http://[::ffff:0:7f00:1]/",  # IPv4-translated 127.0.0.1
        "http://[::127.0.0.1]/",  # IPv4-compatible 127.0.0.1
        "http://8.8.8.8:0/",
    ],
)
def test_ipv6_forms_of_refused_ipv4_addresses_and_port_0_are_refused(url):
    with pytest.raises(targets.TargetRefused):
        targets.check(url)
