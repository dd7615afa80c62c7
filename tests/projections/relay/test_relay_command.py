"""``manage.py relay_events``: refuses clearly when it is not configured."""

from __future__ import annotations

import pytest
from django.core.management import CommandError, call_command
from django.test import override_settings

pytestmark = pytest.mark.django_db


@override_settings(NATS_URL="")
def test_without_nats_url_the_relay_says_it_is_disabled_and_fails():
    with pytest.raises(CommandError, match="relay is disabled: NATS_URL is not set"):
        call_command("relay_events", "--once")


@override_settings(NATS_URL="nats://127.0.0.1:4222", NATS_SUBJECT_PREFIX="bad prefix")
def test_a_bad_subject_prefix_is_refused_naming_the_setting():
    with pytest.raises(CommandError, match="NATS_SUBJECT_PREFIX 'bad prefix'"):
        call_command("relay_events", "--once")


@override_settings(NATS_URL="nats://127.0.0.1:4222", NATS_STREAM="A.B")
def test_a_bad_stream_name_is_refused_naming_the_setting():
    with pytest.raises(CommandError, match=r"NATS_STREAM 'A\.B'"):
        call_command("relay_events", "--once")


@override_settings(NATS_URL="nats://127.0.0.1:1", NATS_STREAM="NOWHERE")
def test_once_against_an_unreachable_broker_fails_saying_so():
    with pytest.raises(CommandError, match="the broker failed"):
        call_command("relay_events", "--once")
