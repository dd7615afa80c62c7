"""Domain errors: each names the rule that refused a command, with a stable code."""

from __future__ import annotations

from datetime import datetime


class CartError(Exception):
    """A command was refused by a cart rule; nothing was recorded."""

    code = "cart_rule"
    # 409 when the cart's state makes the command impossible now, 422 when the input breaks a
    # rule, 400 ("bad_request") when the input is malformed whatever the cart's state.
    kind = "unprocessable"

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class CartNotFound(CartError):
    code = "cart_not_found"
    kind = "not_found"


class CartNotYetCreated(CartNotFound):
    """A cart the person may read was asked for as it was before its first event."""

    code = "not_yet_created"

    def __init__(self, message: str, *, created_at: datetime) -> None:
        super().__init__(message)
        self.created_at = created_at


class CartAlreadyExists(CartError):
    code = "cart_already_exists"
    kind = "conflict"


class UnknownOwner(CartError):
    code = "unknown_owner"


class CartNotOpen(CartError):
    code = "cart_not_open"
    kind = "conflict"


class QuantityOutOfRange(CartError):
    code = "quantity_out_of_range"


class TooManyLines(CartError):
    code = "too_many_lines"


class ProductInactive(CartError):
    code = "product_inactive"


class LinesUnavailable(CartError):
    """Lines whose product is no longer sold must be removed before checkout."""

    code = "lines_unavailable"


class PriceChanged(CartError):
    """The price a shopper accepted is no longer the catalog's."""

    code = "price_changed"
    kind = "conflict"


class UnknownProduct(CartError):
    code = "unknown_product"


class CurrencyMismatch(CartError):
    code = "currency_mismatch"


class InvalidCurrency(CartError):
    """Not a currency code at all (the request is malformed, whatever the shop sells)."""

    code = "invalid_currency"
    kind = "bad_request"


class CurrencyNotSold(CartError):
    """A well-formed currency in which nothing in the shop is priced."""

    code = "currency_not_sold"


class AmountOutOfRange(CartError):
    """An amount (price, line total, subtotal, discount, total) would exceed money.MAX_AMOUNT."""

    code = "amount_out_of_range"


class LineNotInCart(CartError):
    code = "line_not_in_cart"


class EmptyCart(CartError):
    code = "cart_empty"


class DiscountAlreadyApplied(CartError):
    code = "discount_already_applied"
    kind = "conflict"


class NoDiscount(CartError):
    code = "no_discount"


class InvalidDiscount(CartError):
    code = "discount_invalid"


class DiscountExceedsTotal(CartError):
    """An amount off larger than what the cart would charge: the maximum is its payable total."""

    code = "discount_exceeds_total"


class UnknownDiscountCode(CartError):
    code = "unknown_discount_code"


class CheckoutDetailsMissing(CartError):
    """A checkout before the shopper said who the order is for and where it goes."""

    code = "checkout_details_missing"


class InvalidCheckoutDetails(CartError):
    """Checkout details that are not a deliverable contact and address; ``field`` names which."""

    code = "invalid_checkout_details"
    kind = "bad_request"

    def __init__(self, message: str, *, field: str) -> None:
        super().__init__(message)
        self.field = field


class InvalidReason(CartError):
    """A reason for closing a cart that is no plain text, or longer than the rule allows."""

    code = "invalid_reason"
    # A rule of the cart on well-formed text (which no schema can state: unassigned or private
    # characters), like the other rules: 422, so that schema-valid input refused by it is told
    # apart from malformed input.
    kind = "unprocessable"


class InvalidCustomer(CartError):
    """A request about a customer that names no customer id, or gives no reason."""

    code = "invalid_customer"
    kind = "bad_request"


class UnknownCustomer(CartError):
    """A customer id the shop knows nothing of: no account, no cart."""

    code = "unknown_customer"
    kind = "not_found"


class ConcurrentModification(CartError):
    """Others kept changing the cart while this command was being decided."""

    code = "concurrent_modification"
    kind = "conflict"


class StaleVersion(CartError):
    """The caller decided on a version of the cart that is no longer current."""

    code = "stale_version"
    kind = "precondition_failed"


class CartIntegrityFailed(CartError):
    """The cart's stored history failed an integrity check: it may be read, never changed.

    Appending to it would chain genuine events onto forged or missing ones and launder them.
    """

    code = "cart_integrity_failed"
    kind = "conflict"
