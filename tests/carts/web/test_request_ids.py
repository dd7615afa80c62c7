"""The rule for client-sent correlation ids, and the request metadata that applies it."""

from __future__ import annotations

import uuid

import pytest
from django.test import RequestFactory

from carts.web.request_context import context_from_request
from carts.web.request_ids import MAX_LENGTH, InvalidRequestId, client_correlation_id, require_id

ACCEPTED = [
    str(uuid.uuid4()),
    "01HZX3J7Q8R9S0T1U2V3W4X5Y6",
    "checkout-svc:req.42_a",
    "7",
    "a" * MAX_LENGTH,
]
REFUSED = [
    '=HYPERLINK("http://evil.example","x")',
    "+1+1",
    "-2+3",
    "@SUM(A1)",
    "\t=1",
    "\r=1",
    ".hidden",
    ":colon-first",
    "a b",
    "a/b",
    "<script>",
    "thé",
    "a\x00b",
    "ok\n",
    "a" * (MAX_LENGTH + 1),
]


@pytest.mark.parametrize("value", ACCEPTED)
def test_identifiers_of_the_safe_set_are_accepted(value: str) -> None:
    assert require_id(value, source="the X-Correlation-ID header") == value


@pytest.mark.parametrize("value", REFUSED)
def test_formulas_text_and_overlong_ids_are_refused_naming_the_source(value: str) -> None:
    with pytest.raises(InvalidRequestId, match=r"^the X-Request-ID header must be 1 to 100 "):
        require_id(value, source="the X-Request-ID header")


def test_the_correlation_id_header_wins_over_the_request_id_header(rf: RequestFactory) -> None:
    request = rf.get("/", HTTP_X_CORRELATION_ID="corr-1", HTTP_X_REQUEST_ID="req-1")
    assert client_correlation_id(request) == "corr-1"


def test_a_malformed_request_id_is_refused_even_beside_a_valid_correlation_id(
    rf: RequestFactory,
) -> None:
    request = rf.get("/", HTTP_X_CORRELATION_ID="corr-1", HTTP_X_REQUEST_ID="=1+1")
    with pytest.raises(InvalidRequestId, match="X-Request-ID"):
        client_correlation_id(request)


def test_a_header_sent_empty_is_refused(rf: RequestFactory) -> None:
    with pytest.raises(InvalidRequestId, match="X-Correlation-ID"):
        client_correlation_id(rf.get("/", HTTP_X_CORRELATION_ID=""))


def test_without_either_header_there_is_no_client_id(rf: RequestFactory) -> None:
    assert client_correlation_id(rf.get("/")) == ""


def test_request_metadata_carries_the_client_correlation_id(rf: RequestFactory) -> None:
    request = rf.post("/", HTTP_X_REQUEST_ID="req-42")
    request.session = _Session()  # type: ignore[assignment]
    assert context_from_request(request, source="ui").correlation_id == "req-42"


def test_request_metadata_refuses_a_correlation_id_a_spreadsheet_would_evaluate(
    rf: RequestFactory,
) -> None:
    request = rf.post("/", HTTP_X_CORRELATION_ID="=cmd|' /C calc'!A0")
    request.session = _Session()  # type: ignore[assignment]
    with pytest.raises(InvalidRequestId, match="X-Correlation-ID"):
        context_from_request(request, source="ui")


def test_request_metadata_refuses_a_causation_id_outside_the_safe_set(rf: RequestFactory) -> None:
    request = rf.post("/")
    request.session = _Session()  # type: ignore[assignment]
    with pytest.raises(InvalidRequestId, match="causation_id"):
        context_from_request(request, source="ui", causation_id="@evil")


class _Session(dict):  # type: ignore[type-arg]
    """Just enough of a session for an anonymous actor (it keeps the guest identity)."""
