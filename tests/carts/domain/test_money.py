from decimal import Decimal

import pytest

from carts.domain.money import check_currency, to_amount


def test_amounts_are_rounded_to_cents():
    assert to_amount("1.005") == Decimal("1.01")


@pytest.mark.parametrize("bad", ["abc", "NaN", "Infinity", None, 1.5])
def test_non_amounts_are_refused_with_a_hint(bad):
    with pytest.raises(ValueError, match=r"9\.99"):
        to_amount(bad)


def test_currency_must_be_an_iso_code():
    with pytest.raises(ValueError, match="ISO 4217"):
        check_currency("euro")
