"""Running a shop command from a request: the shop's one place that turns refusals into messages."""

from __future__ import annotations

from collections.abc import Callable
from uuid import UUID

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponseRedirect
from django.utils.http import url_has_allowed_host_and_scheme

from carts.application import access, selectors
from carts.application.services import CommandResult
from carts.domain import errors
from carts.domain.cart import Cart
from carts.web.request_context import context_from_request, person_of
from eventstore.metadata import Metadata


def run_command(
    request: HttpRequest, command: Callable[[Metadata], CommandResult], *, done: str = ""
) -> CommandResult | None:
    """Run ``command`` with the request's metadata; show the refusal (or ``done``) as a message."""
    try:
        result = command(context_from_request(request, source="ui"))
    except errors.CartError as exc:
        messages.error(request, _sentence(exc.message))
        return None
    if done:
        messages.success(request, done)
    return result


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
        raise PermissionDenied(str(refused)) from None


def back(request: HttpRequest, default: str) -> HttpResponseRedirect:
    """Redirect with 303 (followed with GET) to the form's ``next`` if safe, else ``default``."""
    target = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        target = default
    return _see_other(target)


def _see_other(url: str) -> HttpResponseRedirect:
    response = HttpResponseRedirect(url)
    response.status_code = 303
    return response


def _sentence(message: str) -> str:
    return message[:1].upper() + message[1:] + ("" if message.endswith(".") else ".")


def form_refused(request: HttpRequest, problem: str) -> None:
    """Report a request whose shape was wrong (nothing was attempted)."""
    messages.error(request, _sentence(problem))
