"""The event admin: readable by auditors, changeable by no one, superusers included."""

from __future__ import annotations

import json
from dataclasses import replace

import pytest
from django.contrib.auth.models import User
from django.test import Client
from django.urls import reverse

from carts.application import repository
from carts.application.commands import AddItem, ApplyDiscount, CreateCart
from carts.application.handler import Context, handle
from eventstore.errors import ImmutableEventError
from eventstore.metadata import Metadata
from eventstore.models import Event
from eventstore.store import NO_STREAM, RawEvent, append

pytestmark = pytest.mark.django_db


@pytest.fixture
def cart_events(catalog, meta: Metadata) -> str:
    """A cart with three events, all under correlation corr-test, and one more elsewhere."""
    cart = handle(CreateCart(owner_id="user:7"), Context.system(meta)).cart
    handle(
        AddItem(cart_id=cart.id, sku="TEA-001", quantity=2),
        Context.system(replace(meta, command_id="cmd-add-1")),
    )
    handle(ApplyDiscount(cart_id=cart.id, code="WELCOME10"), Context.system(meta))
    other = Metadata(actor="user:other", source="api", correlation_id="corr-other")
    handle(CreateCart(), Context.system(other))
    return repository.stream_id(cart.id)


@pytest.fixture
def superuser_client(client: Client) -> Client:
    client.force_login(User.objects.create_superuser("root", password="x"))
    return client


def first_event() -> Event:
    return Event.objects.order_by("position").first()  # type: ignore[return-value]


def test_anonymous_visitors_are_sent_to_the_admin_login(client: Client, cart_events: str) -> None:
    event = first_event()
    for url in [
        reverse("admin:eventstore_event_changelist"),
        reverse("admin:eventstore_event_change", args=[event.position]),
        reverse("admin:eventstore_event_correlation", args=["corr-test"]),
    ]:
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("admin:login"))


def test_signed_in_shoppers_who_are_not_staff_cannot_read_events(
    client: Client, cart_events: str
) -> None:
    client.force_login(User.objects.create_user("shopper", password="x"))
    response = client.get(reverse("admin:eventstore_event_changelist"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("admin:login"))


def test_staff_without_the_view_event_permission_cannot_read_events(
    client: Client, cart_events: str
) -> None:
    client.force_login(User.objects.create_user("clerk", password="x", is_staff=True))
    assert client.get(reverse("admin:eventstore_event_changelist")).status_code == 403
    url = reverse("admin:eventstore_event_correlation", args=["corr-test"])
    assert client.get(url).status_code == 403


def test_the_list_shows_position_stream_version_type_actor_source_and_time(
    auditor_client: Client, cart_events: str
) -> None:
    response = auditor_client.get(reverse("admin:eventstore_event_changelist"))
    assert response.status_code == 200
    page = response.content.decode()
    columns = ["position", "stream_short", "version", "event_type", "actor", "source", "when"]
    for column in columns:
        assert f"column-{column}" in page
    assert cart_events in page
    assert "cart.DiscountApplied" in page
    assert "user:test" in page
    assert response.context["cl"].result_count == Event.objects.count()
    # Each source and actor is offered once as a filter, however many events it wrote.
    assert page.count('href="?source=system"') == 1
    assert page.count('href="?actor=user%3Atest"') == 1


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ({"source": "api"}, 1),
        ({"actor": "user:test"}, 3),
        ({"event_type__exact": "cart.ItemAdded"}, 1),
        ({"q": "corr-other"}, 1),
    ],
)
def test_the_list_filters_by_source_actor_and_type_and_searches_by_correlation(
    auditor_client: Client, cart_events: str, query: dict[str, str], expected: int
) -> None:
    response = auditor_client.get(reverse("admin:eventstore_event_changelist"), query)
    assert response.status_code == 200
    assert response.context["cl"].result_count == expected


def test_search_finds_a_stream_by_its_bare_uuid_and_an_event_by_command_id(
    auditor_client: Client, cart_events: str
) -> None:
    url = reverse("admin:eventstore_event_changelist")
    by_stream = auditor_client.get(url, {"q": cart_events.removeprefix("cart-")})
    assert by_stream.context["cl"].result_count == 3
    by_command = auditor_client.get(url, {"q": "cmd-add-1"})
    assert [e.event_type for e in by_command.context["cl"].result_list] == ["cart.ItemAdded"]


def test_the_detail_page_shows_payload_and_metadata_and_links_to_timeline_and_correlation(
    auditor_client: Client, cart_events: str
) -> None:
    event = Event.objects.get(stream_id=cart_events, version=2)
    response = auditor_client.get(reverse("admin:eventstore_event_change", args=[event.position]))
    page = response.content.decode()
    assert response.status_code == 200
    assert json.dumps(event.payload, indent=2, sort_keys=True).replace('"', "&quot;") in page
    assert "&quot;correlation_id&quot;: &quot;corr-test&quot;" in page
    cart_id = repository.cart_id_of(cart_events)
    assert reverse("admin:carts_cart_timeline", args=[cart_id]) in page
    assert reverse("admin:eventstore_event_correlation", args=["corr-test"]) in page
    assert "all 3 events of this correlation" in page
    # Each metadata entry has its own labelled line under "Who, why, from where".
    for label in ("Command:", "Causation id:", "Client IP:", "User agent:"):
        assert label in page


def test_the_correlation_view_lists_every_event_of_one_correlation_across_streams(
    auditor_client: Client, cart_events: str, meta: Metadata
) -> None:
    second = handle(CreateCart(), Context.system(meta)).cart  # same correlation, another stream
    response = auditor_client.get(reverse("admin:eventstore_event_correlation", args=["corr-test"]))
    shown = [event.position for event, _link in response.context["rows"]]
    expected = list(
        Event.objects.filter(correlation_id="corr-test").values_list("position", flat=True)
    )
    assert shown == expected and len(shown) == 4
    assert response.context["streams"] == 2
    assert repository.stream_id(second.id) in response.content.decode()


def test_no_one_can_add_change_or_delete_events_through_the_admin(
    superuser_client: Client, cart_events: str
) -> None:
    event = first_event()
    before = list(Event.objects.values_list("position", "payload", "metadata", "hash"))
    change_url = reverse("admin:eventstore_event_change", args=[event.position])
    attempts = [
        superuser_client.get(reverse("admin:eventstore_event_add")),
        superuser_client.post(reverse("admin:eventstore_event_add"), {"stream_id": "x"}),
        superuser_client.post(change_url, {"event_type": "cart.Forged", "payload": "{}"}),
        superuser_client.get(reverse("admin:eventstore_event_delete", args=[event.position])),
        superuser_client.post(
            reverse("admin:eventstore_event_delete", args=[event.position]), {"post": "yes"}
        ),
        superuser_client.post(
            reverse("admin:eventstore_event_changelist"),
            {"action": "delete_selected", "_selected_action": [event.position]},
        ),
    ]
    assert [r.status_code for r in attempts[:5]] == [403] * 5
    # The list offers no actions at all, so a forged bulk-delete post changes nothing.
    assert attempts[5].status_code in (200, 302)
    assert list(Event.objects.values_list("position", "payload", "metadata", "hash")) == before


def test_the_detail_page_offers_no_save_or_delete_even_to_a_superuser(
    superuser_client: Client, cart_events: str
) -> None:
    event = first_event()
    response = superuser_client.get(reverse("admin:eventstore_event_change", args=[event.position]))
    page = response.content.decode()
    assert response.status_code == 200
    assert 'name="_save"' not in page
    assert "deletelink" not in page
    changelist = superuser_client.get(reverse("admin:eventstore_event_changelist"))
    assert 'name="action"' not in changelist.content.decode()
    assert reverse("admin:eventstore_event_add") not in changelist.content.decode()


def test_the_model_refuses_to_save_or_delete_a_recorded_event(cart_events: str) -> None:
    event = first_event()
    event.payload = {"forged": True}
    with pytest.raises(ImmutableEventError):
        event.save()
    with pytest.raises(ImmutableEventError):
        event.delete()
    with pytest.raises(ImmutableEventError):
        Event.objects.filter(pk=event.pk).delete()
    assert first_event().payload != {"forged": True}


def test_an_event_of_a_stream_type_nobody_registered_is_shown_without_a_timeline_link(
    auditor_client: Client, meta: Metadata
) -> None:
    result = append(
        "ledger-1",
        [RawEvent("ledger.Opened", {"owner": "acme"})],
        expected_version=NO_STREAM,
        metadata=meta,
        stream_type="ledger",
    )
    url = reverse("admin:eventstore_event_change", args=[result.last_position])
    page = auditor_client.get(url).content.decode()
    assert "ledger-1" in page and "all events of this stream" in page
    assert "audit timeline" not in page


def test_the_admin_index_links_the_audit_and_operations_pages_a_user_may_open(
    client: Client, auditor: User
) -> None:
    client.force_login(auditor)
    page = client.get(reverse("admin:index")).content.decode()
    assert reverse("admin:eventstore_event_changelist") in page
    assert reverse("admin:projections_cartsummary_changelist") in page
    assert reverse("admin:projections_dashboard") not in page
    client.force_login(User.objects.create_superuser("root", password="x"))
    page = client.get(reverse("admin:index")).content.decode()
    for name in ["dashboard", "funnel", "removals"]:
        assert reverse(f"admin:projections_{name}") in page


def test_a_correlation_id_holding_a_slash_still_has_its_view_and_links(
    auditor_client: Client, catalog
) -> None:
    odd = Metadata(actor="user:1", source="api", correlation_id="shop/2026/req-7")
    cart_id = handle(CreateCart(), Context.system(odd)).cart.id
    url = reverse("admin:eventstore_event_correlation", args=["shop/2026/req-7"])
    assert len(auditor_client.get(url).context["rows"]) == 1
    timeline = auditor_client.get(reverse("admin:carts_cart_timeline", args=[cart_id]))
    assert url in timeline.content.decode()
