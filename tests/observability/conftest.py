"""Logging written into a buffer, as LOG_FORMAT would have it, for the log and trace tests."""

from __future__ import annotations

import io
import json
import logging
import logging.config
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from django.conf import settings

from observability.logs import logging_config


@pytest.fixture
def written_log() -> Iterator[Callable[[str], io.StringIO]]:
    """Configure logging as LOG_FORMAT says, at INFO, into a buffer; restored afterwards."""

    def configure(chosen: str) -> io.StringIO:
        buffer = io.StringIO()
        config = logging_config(chosen, "INFO")
        config["handlers"]["console"]["stream"] = buffer
        logging.config.dictConfig(config)
        return buffer

    yield configure
    logging.config.dictConfig(settings.LOGGING)


def records(buffer: io.StringIO) -> list[dict[str, Any]]:
    """Every line written, each parsed as JSON (a line that is not fails the test)."""
    return [json.loads(line) for line in buffer.getvalue().splitlines()]
