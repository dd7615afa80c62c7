"""The cart audit trail in the admin: one cart's timeline, its state at any event, staff actions.

Thin views: they read ``carts.application.timeline`` (the cart replayed event by event) and the
cart's integrity check (hash chain, sealed head, recorded breaches, snapshot), or run a cart
command with the staff member as actor and ``admin`` as source. A refused action shows the rule
that refused it; nothing was written.
"""

from __future__ import annotations

from typing import Any
from uuid import UUID

from django import forms
from django.contrib import admin, messages
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.views.decorators.http import require_POST

from carts.application import access, forgetting, repository, selectors
from carts.application.commands import Abandon, CartCommand, GiveGoodwill, RemoveDiscount
from carts.application.handler import handle
from carts.application.timeline import TimelineStep, cart_timeline
from carts.domain import errors
from carts.domain.values import CartStatus, DiscountKind
from carts.web.request_context import command_context, person_of


class StaffActionForm(forms.Form):
    """A staff action on one cart: the access policy's action it needs, the command it makes."""

    action: access.Action

    def command(self, cart_id: UUID) -> CartCommand:
        raise NotImplementedError


AFFIRMATIVE = "yes"


class AffirmativeCheckbox(forms.CheckboxInput):
    """A checkbox that sends ``yes`` when ticked and hands the raw value sent to its field."""

    def value_from_datadict(self, data: Any, files: Any, name: str) -> Any:
        return data.get(name)

    def format_value(self, value: Any) -> str:
        return AFFIRMATIVE


class AffirmativeField(forms.Field):
    """A confirmation that holds only for the exact value ``yes``: Django's BooleanField reads
    any value but ``false`` or empty as ticked (``off``, ``0``, ``no`` included), which is not
    an explicit yes to an action that cannot be undone."""

    widget = AffirmativeCheckbox

    def clean(self, value: Any) -> bool:
        if value != AFFIRMATIVE:
            raise forms.ValidationError(self.error_messages["required"], code="required")
        return True


class AbandonForm(StaffActionForm):
    """Why staff close a cart nobody will check out, and that they mean it: abandoning cannot be
    undone, so the form is refused without the ticked confirmation (no script needed)."""

    action = access.Action.ABANDON
    reason = forms.CharField(max_length=200, initial="closed by staff")
    confirm = AffirmativeField(
        label="Yes, close this cart for good",
        error_messages={"required": "tick the confirmation; an abandoned cart cannot be reopened"},
    )

    def command(self, cart_id: UUID) -> CartCommand:
        return Abandon(cart_id=cart_id, reason=self.cleaned_data["reason"])


class GoodwillForm(StaffActionForm):
    """A goodwill discount: its shape only; the cart decides whether it may be applied."""

    action = access.Action.GOODWILL
    kind = forms.ChoiceField(
        choices=[(DiscountKind.PERCENT, "percent off"), (DiscountKind.AMOUNT, "amount off")]
    )
    # The browser's bound only, and no digit limit: the cart decides (above zero, at most 100 %,
    # at most the payable total, at most MAX_AMOUNT) and names the limit it refuses.
    value = forms.DecimalField(decimal_places=2, widget=forms.NumberInput(attrs={"min": "0.01"}))
    currency = forms.CharField(max_length=3, required=False, help_text="For an amount off.")

    def command(self, cart_id: UUID) -> CartCommand:
        data = self.cleaned_data
        currency = data["currency"].strip().upper()
        return GiveGoodwill(
            cart_id=cart_id, kind=data["kind"], value=data["value"], currency=currency
        )


class RemoveDiscountForm(StaffActionForm):
    """Take the cart's discount (a code or a goodwill discount) off; nothing to fill in."""

    action = access.Action.STAFF_DISCOUNT_OFF

    def command(self, cart_id: UUID) -> CartCommand:
        return RemoveDiscount(cart_id=cart_id)


def require_cart_access(request: HttpRequest, cart_id: UUID, action: access.Action) -> None:
    """Ask the access policy: 404 for a cart this person may not read (as for a missing one),
    403 for one they may read but not do ``action`` to."""
    try:
        access.require(person_of(request), action, access.facts_of_stream(cart_id))
    except errors.CartNotFound:
        raise Http404(f"no cart {cart_id}") from None
    except access.Refused as refused:
        raise refused.as_permission_denied() from None


def cart_steps(request: HttpRequest, cart_id: UUID) -> list[TimelineStep]:
    """The cart's timeline if this person may read it; 404 otherwise or when it has no events."""
    require_cart_access(request, cart_id, access.Action.READ)
    try:
        return cart_timeline(cart_id)
    except errors.CartNotFound:
        raise Http404(f"no cart {cart_id}") from None


def timeline(request: HttpRequest, cart_id: UUID) -> HttpResponse:
    """Every event of one cart with who, when, from where and why, and the cart at any event."""
    steps = cart_steps(request, cart_id)
    facts = access.facts_of_stream(cart_id)
    selected = _selected_version(request, len(steps))
    state = steps[selected - 1].after
    context = {
        **admin.site.each_context(request),
        "title": f"Cart {cart_id}",
        "subtitle": "Audit timeline",
        "cart_id": cart_id,
        "stream_id": repository.stream_id(cart_id),
        "steps": steps,
        "selected": selected,
        "state": state,
        "state_event": steps[selected - 1].event,
        "integrity": repository.integrity(cart_id),
        "actors": selectors.usernames(step.event.metadata.get("actor", "") for step in steps),
        "abandon_form": AbandonForm(),
        "goodwill_form": GoodwillForm(initial={"currency": state.currency}),
        "is_open": steps[-1].after.status == CartStatus.OPEN,
        "discount_now": steps[-1].after.discount_code,
        "can_act": access.may(person_of(request), access.Action.ABANDON, facts),
        "can_forget": forgetting.may_forget(person_of(request)),
        "customer": facts.owner_id,
        "cart_list_url": reverse("admin:projections_cartsummary_changelist"),
    }
    return TemplateResponse(request, "admin/carts/timeline.html", context)


@require_POST
def abandon(request: HttpRequest, cart_id: UUID) -> HttpResponse:
    """Staff close an open cart, recorded with them as actor and ``admin`` as source."""
    return _act(request, cart_id, AbandonForm(request.POST), done="Cart abandoned.")


@require_POST
def remove_discount(request: HttpRequest, cart_id: UUID) -> HttpResponse:
    """Staff take the cart's discount off (recorded as DiscountRemoved, source ``admin``)."""
    return _act(request, cart_id, RemoveDiscountForm(request.POST), done="Discount removed.")


@require_POST
def goodwill(request: HttpRequest, cart_id: UUID) -> HttpResponse:
    """Staff grant a goodwill discount (recorded as code GOODWILL)."""
    return _act(request, cart_id, GoodwillForm(request.POST), done="Goodwill discount applied.")


@require_POST
def forget_customer(request: HttpRequest, cart_id: UUID) -> HttpResponse:
    """Staff with the 'forget person' permission erase the personal data of the cart's owner
    (carts.application.forgetting), giving the request's reference as the reason."""
    require_cart_access(request, cart_id, access.Action.READ)
    customer = access.facts_of_stream(cart_id).owner_id or ""
    try:
        done = forgetting.forget_customer(
            customer,
            reason=request.POST.get("reason", ""),
            context=command_context(request, source="admin"),
        )
    except access.Refused as refused:
        raise refused.as_permission_denied() from None
    except errors.CartError as refused:
        messages.error(request, f"Refused, nothing was recorded: {refused.message}")
    else:
        messages.success(
            request,
            f"Customer {done.customer} is forgotten: {done.keys_deleted} key(s) deleted, "
            f"{len(done.carts)} cart(s) now show their personal data as erased.",
        )
    return HttpResponseRedirect(reverse("admin:carts_cart_timeline", args=[cart_id]))


def _act(request: HttpRequest, cart_id: UUID, form: StaffActionForm, *, done: str) -> HttpResponse:
    require_cart_access(request, cart_id, form.action)
    if not form.is_valid():
        problems = "; ".join(f"{name}: {' '.join(map(str, e))}" for name, e in form.errors.items())
        messages.error(request, f"Nothing was changed: {problems}")
    else:
        try:
            result = handle(form.command(cart_id), command_context(request, source="admin"))
        except errors.CartError as refused:
            messages.error(request, f"Refused, nothing was recorded: {refused.message}")
        else:
            messages.success(request, f"{done} The cart is now at version {result.version}.")
    return HttpResponseRedirect(reverse("admin:carts_cart_timeline", args=[cart_id]))


def _selected_version(request: HttpRequest, last: int) -> int:
    try:
        version = int(request.GET.get("version", last))
    except ValueError:
        return last
    return min(max(version, 1), last)
