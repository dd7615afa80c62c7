"""CSV for staff: the one writer every export uses, with no cell a spreadsheet would evaluate.

Excel, LibreOffice and Google Sheets read a cell that begins with ``=``, ``+``, ``-``, ``@``, a
tab or a carriage return as a formula (OWASP "CSV injection"). Exports carry text that clients
chose (ids and codes stored before they were checked, names, payloads), so such a cell is
prefixed with a single quote, as OWASP advises: spreadsheets then show it as text and hide the
quote, and the value read back is the original with one leading ``'``.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from django.http import HttpResponse

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
# A cell that is only a decimal number, e.g. -5.00 in a money column, is left alone: a
# spreadsheet reads it as that number and nothing else can follow, and a quote would turn
# every negative amount into text that staff can no longer sum. Exactly this shape only: no
# exponent, no sign but a leading minus, nothing after the digits.
PLAIN_NUMBER = re.compile(r"-?[0-9]+(\.[0-9]+)?")


def spreadsheet_safe(value: Any) -> str:
    """The cell's text, with a leading ``'`` if a spreadsheet would evaluate it."""
    text = "" if value is None else str(value)
    if text.startswith(FORMULA_STARTS) and PLAIN_NUMBER.fullmatch(text) is None:
        return "'" + text
    return text


def csv_response(
    filename: str, columns: Sequence[str], rows: Iterable[Mapping[str, Any]]
) -> HttpResponse:
    """A CSV attachment: a header row, then one row per mapping (by column name), every cell safe.

    Raises ValueError for a row with a key that is not among ``columns``.
    """
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    writer = csv.DictWriter(response, fieldnames=columns)
    writer.writeheader()
    for row in rows:
        writer.writerow({column: spreadsheet_safe(value) for column, value in row.items()})
    return response
