"""Subjects: <prefix>.<stream type>.<event type>, each part a valid NATS token."""

from __future__ import annotations

import pytest

from projections.relay.subjects import checked_prefix, subject, token


def test_an_event_type_with_a_dot_becomes_one_token():
    assert subject("ledger", "cart", "cart.ItemAdded") == "ledger.cart.cart_ItemAdded"


@pytest.mark.parametrize(
    ("name", "expected"),
    [("a b", "a_b"), ("x*", "x_"), ("y>", "y_"), ("ünï", "_n_"), ("", "_"), ("ok-_9", "ok-_9")],
)
def test_every_character_outside_a_safe_token_becomes_an_underscore(name, expected):
    assert token(name) == expected


@pytest.mark.parametrize("prefix", ["ledger", "shop.events", "a-b_c.d"])
def test_prefixes_of_valid_tokens_are_kept(prefix):
    assert checked_prefix(prefix) == prefix


@pytest.mark.parametrize("prefix", ["", "ledger.", ".ledger", "a..b", "led ger", "a.*", "a.>"])
def test_a_prefix_that_is_not_tokens_joined_by_dots_is_refused_naming_the_setting(prefix):
    with pytest.raises(ValueError, match="NATS_SUBJECT_PREFIX"):
        checked_prefix(prefix)
