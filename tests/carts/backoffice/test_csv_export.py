"""The shared CSV writer: no cell a spreadsheet would evaluate, numbers left as numbers."""

from __future__ import annotations

import csv
import io
import re
from decimal import Decimal
from pathlib import Path

import pytest
from django.conf import settings

from carts.backoffice.csv_export import csv_response, spreadsheet_safe

ROOT = Path(settings.BASE_DIR)
CSV_IMPORT = re.compile(r"^\s*(import csv|from csv import)\b", re.MULTILINE)


@pytest.mark.parametrize(
    "cell",
    [
        '=HYPERLINK("http://evil.example","click")',
        "+1+cmd|' /C calc'!A0",
        "-2+3",
        "@SUM(A1:A9)",
        "\t=1",
        "\r=1",
        "-",
        "-1e3",
        "-5.00 EUR",
    ],
)
def test_a_cell_a_spreadsheet_would_evaluate_gets_a_leading_quote(cell: str) -> None:
    assert spreadsheet_safe(cell) == "'" + cell


@pytest.mark.parametrize(
    ("value", "cell"),
    [
        (Decimal("-5.00"), "-5.00"),
        ("-5.00", "-5.00"),
        (-3, "-3"),
        (Decimal("12.50"), "12.50"),
        ("cart.ItemAdded", "cart.ItemAdded"),
        ("user:7", "user:7"),
        ("a=b", "a=b"),
        (None, ""),
    ],
)
def test_numbers_and_ordinary_text_are_written_as_they_are(value: object, cell: str) -> None:
    assert spreadsheet_safe(value) == cell


def test_the_csv_response_neutralises_every_cell_of_every_row() -> None:
    response = csv_response(
        "x.csv", ["name", "amount"], [{"name": "=1+1", "amount": Decimal("-2.50")}, {"name": "ok"}]
    )
    assert response["Content-Disposition"] == 'attachment; filename="x.csv"'
    rows = list(csv.DictReader(io.StringIO(response.content.decode())))
    assert rows == [{"name": "'=1+1", "amount": "-2.50"}, {"name": "ok", "amount": ""}]


def test_every_csv_export_goes_through_the_shared_writer() -> None:
    sources = [
        path
        for folder in ("carts", "eventstore", "projections", "config")
        for path in (ROOT / folder).rglob("*.py")
    ]
    writers = [
        str(path.relative_to(ROOT))
        for path in sources
        if CSV_IMPORT.search(path.read_text()) and path.name != "csv_export.py"
    ]
    assert len(sources) > 50
    assert writers == []
