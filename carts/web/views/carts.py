"""The shopper's carts, and one cart's history with time travel."""

from __future__ import annotations

import re
from uuid import UUID

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.cache import patch_vary_headers
from django.views.decorators.http import require_GET
from django_htmx.middleware import HtmxDetails

from carts.application import repository
from carts.application.customer_history import customer_history
from carts.application.time_travel import cart_moment
from carts.domain import errors
from carts.domain.cart import OPEN
from carts.web import listings, shopper
from carts.web.forms import MomentForm, first_error
from carts.web.request_context import person_of
from carts.web.views.feedback import readable_timeline


@require_GET
def my_carts(request: HttpRequest) -> HttpResponse:
    """Every cart of this shopper (open, checked out, abandoned, merged), from the summaries."""
    carts = listings.shopper_carts(person_of(request))
    current = shopper.current_cart(request)
    # "Continue with this cart" is offered by the rule that decides whether it would be accepted.
    continuable = {
        summary.cart_id
        for summary in carts.summaries
        if summary.status == OPEN and shopper.may_fill(is_open=True, currency=summary.currency)
    }
    return render(
        request,
        "carts/my_carts.html",
        {
            "carts": carts,
            "current_id": current.id if current else None,
            "continuable": continuable,
        },
    )


class HtmxHttpRequest(HttpRequest):
    """A request as django-htmx's middleware leaves it."""

    htmx: HtmxDetails


@require_GET
def history(request: HtmxHttpRequest, cart_id: UUID) -> HttpResponse:
    """Every event of the cart in order, and the cart as it was after a chosen step or moment.

    An htmx request (the step list, the slider, the moment form) gets only the time-travel panel,
    except when htmx restores a page from history, which needs the whole page. The whole page
    says so when the cart's stored history failed its integrity check.
    """
    steps = readable_timeline(request, cart_id)
    cart = steps.cart
    moment_form = MomentForm(request.GET if "at" in request.GET else None)
    at = moment_form.cleaned_data["at"] if moment_form.is_valid() else None
    problem = first_error(moment_form) if moment_form.is_bound and at is None else ""
    try:
        moment = cart_moment(steps, version=_version(request), as_of=at)
    except errors.CartNotFound:
        problem = "The cart did not exist yet at that moment; choose a later one."
        moment = cart_moment(steps)
    if not moment_form.is_bound:
        # Start the moment picker at the step on show, so nudging it is one small change.
        moment_form = MomentForm(initial={"at": steps[moment.version - 1].event.recorded_at})
    # Only what a customer should see: the one decision lives in customer_history.
    shown = customer_history(steps, person_of(request).owner_ids)
    partial = bool(request.htmx) and not request.htmx.history_restore_request
    response = render(
        request,
        "carts/_time_travel.html" if partial else "carts/history.html",
        {
            "cart": cart,
            "steps": shown,
            "moment": moment,
            "moment_step": shown[moment.version - 1],
            "moment_form": moment_form,
            "problem": problem,
            "integrity": None if partial else repository.integrity(cart_id),
        },
    )
    # One URL, two bodies: caches must keep the panel and the page apart.
    patch_vary_headers(response, ("HX-Request",))
    return response


def _version(request: HttpRequest) -> int | None:
    raw = request.GET.get("version", "")
    # ASCII digits, few enough to be a version: "²" is a digit to str.isdigit, not to int().
    return int(raw) if re.fullmatch(r"[0-9]{1,9}", raw) else None
