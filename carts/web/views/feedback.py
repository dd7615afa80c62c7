"""Running a shop command from a request: the shop's one place that turns refusals into messages."""

from __future__ import annotations

import unicodedata
from uuid import UUID

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponseRedirect
from django.utils.http import url_has_allowed_host_and_scheme

from carts.application import access, selectors
from carts.application.commands import Command
from carts.application.handler import CommandResult, handle
from carts.application.timeline import Timeline, cart_timeline
from carts.domain import errors
from carts.domain.cart import Cart
from carts.web.request_context import command_context, person_of
from carts.web.wording import sentence, shop_message


def run_command(request: HttpRequest, command: Command, *, done: str = "") -> CommandResult | None:
    """Hand ``command`` to the handler as this request's shopper; show the refusal (or ``done``).

    404 for a cart the person may not read, 403 for one they may not change (the handler asked
    the access policy about the cart it loaded).
    """
    try:
        result = handle(command, command_context(request, source="ui"))
    except errors.CartNotFound:
        raise Http404("No such cart.") from None
    except access.Refused as refused:
        raise refused.as_permission_denied() from None
    except errors.CartError as exc:
        refused_with(request, exc)
        return None
    if done:
        messages.success(request, done)
    return result


def refused_with(request: HttpRequest, error: errors.CartError, *, where: str = "") -> None:
    """Show the reason a command was refused, in a shopper's words (nothing was written);
    ``where`` names the element it concerns (a product card's form id), so the page can show
    it there too."""
    messages.error(request, shop_message(error), extra_tags=where)


def readable_timeline(request: HttpRequest, cart_id: UUID) -> Timeline:
    """The cart's timeline (one read of its stream) if this person may read the cart; else 404,
    exactly as for a cart that does not exist."""
    try:
        steps = cart_timeline(cart_id)
        access.require(person_of(request), access.Action.READ, access.facts_of(steps.cart))
    except errors.CartNotFound:
        raise Http404("No such cart.") from None
    return steps


def require_access(request: HttpRequest, cart_id: UUID, action: access.Action) -> None:
    """404 unless this person may read the cart, 403 unless they may do ``action`` to it.

    Asked before a form is even read, so that a cart that is not theirs answers exactly as one
    that does not exist, whatever was posted. Reads only the cart's first event (its owner).
    """
    try:
        access.require(person_of(request), action, access.facts_of_stream(cart_id))
    except errors.CartNotFound:
        raise Http404("No such cart.") from None
    except access.Refused as refused:
        raise refused.as_permission_denied() from None


def cart_or_404(request: HttpRequest, cart_id: UUID, action: access.Action) -> Cart:
    """The cart if the access policy lets this person do ``action`` to it.

    404 when they may not read it, exactly as for a cart that does not exist; 403 when they may
    read it but not do ``action``.
    """
    try:
        return selectors.readable_cart(person_of(request), cart_id, action)
    except errors.CartNotFound:
        raise Http404("No such cart.") from None
    except access.Refused as refused:
        raise refused.as_permission_denied() from None


def back(request: HttpRequest, default: str) -> HttpResponseRedirect:
    """Redirect with 303 (followed with GET) to the form's ``next`` if safe, else ``default``."""
    target = request.POST.get("next", "")
    return _see_other(target if is_local_target(request, target) else default)


def is_local_target(request: HttpRequest, target: str) -> bool:
    """Whether ``target`` (a form's ``next``) is a path of this site a Location header can carry.

    Django's check alone lets through a relative path holding a line break (``urlsplit`` drops
    tabs and line breaks before it looks), which the response then refuses to send as a header
    (a 500); the pages give absolute paths, percent-encoded, so anything else is no target.
    """
    if not target.startswith("/") or any(_unsendable(char) for char in target):
        return False
    return url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    )


def _unsendable(char: str) -> bool:
    return char.isspace() or unicodedata.category(char).startswith("C")


def _see_other(url: str) -> HttpResponseRedirect:
    response = HttpResponseRedirect(url)
    response.status_code = 303
    return response


def form_refused(request: HttpRequest, problem: str, *, where: str = "") -> None:
    """Report a request whose shape was wrong (nothing was attempted); ``where`` as above."""
    messages.error(request, sentence(problem), extra_tags=where)
