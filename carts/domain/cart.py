"""The Cart aggregate: the only place where cart rules live.

Commands (``add_item``, ``check_out``, ...) check the rules and record events. ``apply`` only
assigns state from an event: no checks, no clock, no I/O, because replay runs it again for every
event in the cart's history.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping
from decimal import Decimal
from typing import Any
from uuid import UUID

from carts.domain import errors, fold
from carts.domain.events import (
    CartAbandoned,
    CartCheckedOut,
    CartCreated,
    CartMergedFrom,
    CartMergedInto,
    CheckoutDetailsProvided,
    DiscountApplied,
    DiscountRemoved,
    ItemAdded,
    ItemQuantityChanged,
    ItemRemoved,
    LineRepriced,
    MergedLine,
    PricedUnits,
)
from carts.domain.fold import CartFold
from carts.domain.money import check_currency, to_amount
from carts.domain.rules import (
    MAX_LINES,
    checked_reason,
    discount_as_offered,
    discount_to_carry,
    require_amounts,
    require_checkout_details,
    require_quantity,
    require_sold_currency,
    split_lines,
    valid_discount_value,
)
from carts.domain.values import (
    CheckoutDetails,
    Discount,
    DiscountKind,
    Line,
    ProductOffer,
    on_sale,
    sold_in,
)

SNAPSHOT_SCHEMA = fold.SNAPSHOT_SCHEMA
OPEN = fold.OPEN


class Cart(CartFold):
    """A shopping cart, rebuilt from its events (its state and fold: ``fold.CartFold``)."""

    def __init__(self, cart_id: UUID) -> None:
        super().__init__(cart_id)
        self._pending: list[Any] = []

    # --- building -----------------------------------------------------------------------

    @classmethod
    def create(
        cls,
        cart_id: UUID,
        *,
        owner_id: str = "",
        currency: str = "",
        sold_currencies: Collection[str] = (),
    ) -> Cart:
        """A new, empty, open cart (one pending CartCreated).

        ``currency`` "" lets the first item decide; otherwise it must be one of
        ``sold_currencies`` (InvalidCurrency for a malformed code, CurrencyNotSold otherwise).
        """
        if currency:
            require_sold_currency(currency, sold_currencies)
        cart = cls(cart_id)
        cart._record(CartCreated(cart_id=cart_id, owner_id=owner_id, currency=currency))
        return cart

    @classmethod
    def replay(cls, cart_id: UUID, events: Iterable[Any], *, start: Cart | None = None) -> Cart:
        """The cart after applying ``events`` (in order) to ``start`` or to a blank cart."""
        cart = start if start is not None else cls(cart_id)
        for event in events:
            cart.apply(event)
        return cart

    def pending_events(self) -> list[Any]:
        """Events recorded by commands and not yet stored."""
        return list(self._pending)

    def mark_stored(self) -> None:
        self._pending.clear()

    # --- commands -----------------------------------------------------------------------

    def add_item(self, offer: ProductOffer, quantity: int) -> None:
        """Add units of a product, merging into its line if the SKU is already in the cart."""
        self._require_open()
        if not offer.active:
            raise errors.ProductInactive(f"product {offer.sku} is not on sale any more")
        self._require_currency(offer.currency, what=f"product {offer.sku}")
        require_quantity(quantity)
        existing = self.lines.get(offer.sku)
        if existing is not None:
            require_quantity(
                existing.quantity + quantity,
                hint=f"the line already holds {existing.quantity}",
            )
        elif len(self.lines) >= MAX_LINES:
            raise errors.TooManyLines(
                f"a cart holds at most {MAX_LINES} different products; remove one first"
            )
        added = ItemAdded(
            sku=offer.sku,
            name=offer.name,
            unit_price=to_amount(offer.unit_price),
            currency=offer.currency,
            quantity=quantity,
        )
        self._require_amounts_after(added, offer.sku, unit_price=added.unit_price)
        self._record(added)

    def change_quantity(self, sku: str, quantity: int, *, offer: ProductOffer | None) -> None:
        """Set a line's quantity; setting the quantity it already has records nothing.

        ``offer`` is the catalog's for the SKU now (None: no longer listed). Units added are
        priced as offered; a product no longer on sale may only be lowered or removed.
        """
        self._require_open()
        line = self._require_line(sku)
        require_quantity(quantity, hint="to take the line out, remove the item")
        if quantity == line.quantity:
            return
        price = None
        if quantity > line.quantity:
            price = self._current_price(sku, offer, refusal="its quantity cannot be raised")
        changed = ItemQuantityChanged(
            sku=sku, quantity=quantity, previous_quantity=line.quantity, unit_price=price
        )
        if price is not None:  # lowering only ever lowers amounts: always allowed
            self._require_amounts_after(changed, sku, unit_price=price)
        self._record(changed)

    def reprice_line(self, sku: str, unit_price: Decimal, *, offer: ProductOffer | None) -> None:
        """Hold every unit of the line at the catalog's current price, which the shopper saw and
        accepted as ``unit_price``. Records nothing when every unit is at that price already.

        Raises PriceChanged when the catalog's price is no longer ``unit_price``.
        """
        self._require_open()
        line = self._require_line(sku)
        price = self._current_price(sku, offer, refusal="its price cannot be updated")
        if unit_price != price:
            raise errors.PriceChanged(
                f"product {sku} now costs {price}, not {unit_price}; "
                f"review the cart and accept {price}"
            )
        if line.differs_from(price):
            previous = tuple(PricedUnits(t.unit_price, t.quantity) for t in line.tiers)
            repriced = LineRepriced(
                sku=sku, unit_price=price, quantity=line.quantity, previous=previous
            )
            self._require_amounts_after(repriced, sku, unit_price=price)
            self._record(repriced)

    def remove_item(self, sku: str) -> None:
        """Take a line out of the cart."""
        self._require_open()
        line = self._require_line(sku)
        self._record(ItemRemoved(sku=sku, quantity=line.quantity))

    def apply_discount(self, discount: Discount) -> None:
        """Apply a discount; a cart carries at most one."""
        self._require_open()
        if self.discount is not None:
            raise errors.DiscountAlreadyApplied(
                f"discount {self.discount.code} is already applied; remove it first"
            )
        value = valid_discount_value(discount)
        if discount.kind == DiscountKind.AMOUNT:
            self._require_currency(discount.currency, what=f"discount {discount.code}")
            self._require_within_total(discount.code, value, discount.currency)
        self._record(
            DiscountApplied(
                code=discount.code, kind=discount.kind, value=value, currency=discount.currency
            )
        )

    def remove_discount(self) -> None:
        """Take the discount off."""
        self._require_open()
        if self.discount is None:
            raise errors.NoDiscount("the cart has no discount to remove")
        self._record(DiscountRemoved(code=self.discount.code))

    def unavailable_lines(self, catalog: Mapping[str, ProductOffer]) -> list[Line]:
        """The lines whose product ``catalog`` (the offers for this cart's SKUs) no longer sells
        in this cart's currency."""
        currency = self.currency
        return [
            line for line in self.lines.values() if not sold_in(catalog.get(line.sku), currency)
        ]

    def provide_checkout_details(self, details: CheckoutDetails) -> None:
        """Say who the order is for and where it goes; giving the same details again records
        nothing. Raises CartNotOpen, InvalidCheckoutDetails (a required field left empty)."""
        self._require_open()
        require_checkout_details(details)
        if details != self.details:
            self._record(CheckoutDetailsProvided(**vars(details)))

    def check_out(
        self,
        catalog: Mapping[str, ProductOffer],
        *,
        order_number: str,
        details: CheckoutDetails | None = None,
    ) -> None:
        """Buy what is in the cart, each unit at the price it is held at, as ``order_number``.

        ``catalog`` holds the current offers for the cart's SKUs; a line whose product is no
        longer sold refuses the checkout (LinesUnavailable) until it is removed. A line with
        units at several prices is charged as one ChargedLine per price. ``details`` given here
        are recorded first, as provide_checkout_details would; without any, or with only details
        erased since (their person was forgotten), the checkout is refused
        (CheckoutDetailsMissing).
        """
        self._require_open()
        if not self.lines:
            raise errors.EmptyCart("an empty cart cannot be checked out; add an item first")
        if details is None and (self.details is None or self.details.erased):
            raise errors.CheckoutDetailsMissing(
                "give a contact e-mail, a full name and a shipping address before checking out"
                + ("; the ones given were erased" if self.details else "")
            )
        unavailable = self.unavailable_lines(catalog)
        if unavailable:
            named = ", ".join(f"{line.name} ({line.sku})" for line in unavailable)
            raise errors.LinesUnavailable(
                f"no longer sold: {named}; remove these lines, then check out"
            )
        self._require_amounts_within_range()
        if details is not None:
            self.provide_checkout_details(details)
        self._record(
            CartCheckedOut(
                lines=self.charged_lines,
                subtotal=self.subtotal,
                discount=self.discount_amount,
                total=self.total,
                currency=self.currency,
                order_number=order_number,
            )
        )

    def abandon(self, reason: str) -> None:
        """Close an open cart that nobody will check out; the reason is plain text."""
        self._require_open()
        self._record(CartAbandoned(reason=checked_reason(reason) or "abandoned"))

    def merge_into(self, target: Cart, offered: Discount | None) -> CartMergedInto:
        """Give the open cart ``target`` what it can take of this guest cart; keep the rest.

        ``offered`` is the catalog's current terms for this cart's discount code (None when the
        code is no longer offered). Lines, capped quantities and the discount that cannot move
        are recorded as left, with the reason, and stay in this cart, which then stays open;
        with nothing left it is closed as merged. Raises CartNotOpen when either cart is not
        open.
        """
        self._require_open()
        if not target.is_open:
            raise errors.CartNotOpen("the cart to merge into is closed; merge into an open one")
        # One offered line per price a line holds units at, oldest first: units keep their price.
        offered_lines = [
            MergedLine(line.sku, line.name, tier.unit_price, self.currency, tier.quantity)
            for line in self.lines.values()
            for tier in line.tiers
        ]
        taken, left = split_lines(target.lines, target.currency, offered_lines)
        discount = discount_to_carry(
            discount_as_offered(self.discount, offered),
            held=target.discount,
            currency=target.currency or self.currency,
            lines_taken=bool(taken),
        )
        event = CartMergedInto(target.id, tuple(taken), tuple(left), discount)
        self._record(event)
        return event

    def merge_from(self, source_cart_id: UUID, given: CartMergedInto) -> CartMergedFrom:
        """Take over what the guest cart ``source_cart_id`` gave (its CartMergedInto).

        Checked again against this cart as it is now: what it can no longer take is recorded as
        left, beside what the guest cart kept. Always records, so that both carts' histories say
        what moved and what did not.
        """
        self._require_open()
        taken, left = split_lines(self.lines, self.currency, given.lines)
        discount = discount_to_carry(
            given.discount,
            held=self.discount,
            currency=self.currency or (taken[0].currency if taken else ""),
            lines_taken=bool(taken),
        )
        event = CartMergedFrom(source_cart_id, tuple(taken), (*given.left, *left), discount)
        self._record(event)
        return event

    # --- rules --------------------------------------------------------------------------

    def _require_open(self) -> None:
        if self.status != OPEN:
            raise errors.CartNotOpen(
                f"cart {self.id} is {self.status.replace('_', ' ')}; only open carts change"
            )

    def _require_line(self, sku: str) -> Line:
        try:
            return self.lines[sku]
        except KeyError:
            raise errors.LineNotInCart(f"product {sku} is not in the cart") from None

    def _current_price(self, sku: str, offer: ProductOffer | None, *, refusal: str) -> Decimal:
        """The price ``offer`` asks now; ProductInactive when the product is no longer sold."""
        if not on_sale(offer):
            raise errors.ProductInactive(
                f"product {sku} is not on sale any more; {refusal} (lower or remove it)"
            )
        self._require_currency(offer.currency, what=f"product {sku}")
        return to_amount(offer.unit_price)

    def _require_amounts_after(self, event: Any, sku: str, *, unit_price: Decimal) -> None:
        # The line is folded exactly as replay will fold it (on a scratch cart holding only
        # that line), so the check cannot drift from how events add up.
        scratch = Cart(self.id)
        held = self.lines.get(sku)
        if held is not None:
            scratch.lines[sku] = held
        scratch.apply(event)
        line_total = scratch.lines[sku].total
        before = held.total if held is not None else Decimal("0.00")
        require_amounts(
            unit_price=unit_price,
            line_total=line_total,
            subtotal=self.subtotal - before + line_total,
            sku=sku,
        )

    def _require_amounts_within_range(self) -> None:
        # Carts stored before amounts were bounded may hold more than MAX_AMOUNT; they are
        # never charged so: the shopper takes units out first (lowering is always allowed).
        subtotal = self.subtotal
        for line in self.lines.values():
            require_amounts(
                unit_price=line.unit_price, line_total=line.total, subtotal=subtotal, sku=line.sku
            )

    def _require_currency(self, currency: str, *, what: str) -> None:
        try:
            check_currency(currency)
        except ValueError as exc:
            raise errors.CurrencyMismatch(f"{what}: {exc}") from None
        if self.currency and currency != self.currency:
            raise errors.CurrencyMismatch(
                f"{what} is priced in {currency} but this cart is in {self.currency}; "
                "a cart holds one currency"
            )

    def _require_within_total(self, code: str, amount_off: Decimal, currency: str) -> None:
        # Nothing else is off the cart yet (one discount at a time), so the payable total is the
        # subtotal: an amount beyond it would silently be worth less than it says.
        if amount_off > self.subtotal:
            raise errors.DiscountExceedsTotal(
                f"discount {code} takes {amount_off} {currency} off, more than the cart's payable "
                f"total of {self.subtotal}; at most {self.subtotal} {currency} can be taken off"
            )

    # --- applying events ----------------------------------------------------------------

    def _record(self, event: Any) -> None:
        self.apply(event)
        self._pending.append(event)
