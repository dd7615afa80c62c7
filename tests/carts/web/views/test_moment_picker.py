"""The history's moment picker: a step's moment, at the precision shown, selects that step."""

from __future__ import annotations

import re

import pytest

from tests.carts.close_steps import record_close_steps

pytestmark = pytest.mark.django_db


@pytest.fixture
def cart_id(alice, catalog):
    return record_close_steps(f"user:{alice.pk}")


def shown_step(html: str) -> int:
    found = re.search(r'id="version-output">(\d+)</output> of 5', html)
    assert found is not None, html
    return int(found.group(1))


def prefilled(html: str) -> str:
    """The moment picker's value, as the page offers it."""
    found = re.search(r'<input type="datetime-local" name="at" value="([^"]*)"', html)
    assert found is not None, html
    return found.group(1)


def browser_value(value: str) -> str:
    """What HTML's datetime-local sends: its shortest form, without zero seconds or ms."""
    return value.removesuffix(".000").removesuffix(":00")


def test_the_picker_and_the_steps_show_moments_to_the_millisecond_in_utc(alice_client, cart_id):
    html = alice_client.get(f"/carts/{cart_id}/history/", {"version": 3}).content.decode()
    assert 'step="0.001"' in html
    assert '<input type="hidden" name="precision" value="ms"' in html
    value = prefilled(html)
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.730", value), value
    assert f"{value[11:]} UTC</time>" in html  # the step list says the same, and its zone


def test_submitting_a_step_s_prefilled_moment_shows_that_step(alice_client, cart_id):
    page = f"/carts/{cart_id}/history/"
    for version in range(1, 6):
        value = prefilled(alice_client.get(page, {"version": version}).content.decode())
        for sent in {value, browser_value(value)}:
            html = alice_client.get(page, {"at": sent, "precision": "ms"}).content.decode()
            # Steps 1 and 2 share one millisecond: the picker can only name the later one.
            assert shown_step(html) == max(version, 2), (version, sent)
            assert "did not exist yet" not in html


def test_a_moment_to_the_second_or_minute_shows_the_last_step_within_it(alice_client, cart_id):
    page = f"/carts/{cart_id}/history/"
    first = prefilled(alice_client.get(page, {"version": 1}).content.decode())
    fourth = prefilled(alice_client.get(page, {"version": 4}).content.decode())
    for typed, step in [(first[:19], 3), (fourth[:19], 5), (first[:16], 5)]:
        assert shown_step(alice_client.get(page, {"at": typed}).content.decode()) == step


def test_a_moment_before_the_first_step_says_the_cart_did_not_exist_yet(alice_client, cart_id):
    page = f"/carts/{cart_id}/history/"
    first = prefilled(alice_client.get(page, {"version": 1}).content.decode())
    before = f"{first[:20]}099"  # one millisecond before step 1
    html = alice_client.get(page, {"at": before, "precision": "ms"}).content.decode()
    assert "The cart did not exist yet at that moment" in html
