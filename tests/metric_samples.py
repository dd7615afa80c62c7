"""Reading what this process has counted, for tests that compare before and after.

Counters live for the whole test run (they never go back), so a test reads a sample before it
acts and asserts on the difference.
"""

from __future__ import annotations

from prometheus_client import REGISTRY


def sample(name: str, **labels: str) -> float:
    """The current value of the sample ``name`` with these labels (0 when never counted)."""
    return REGISTRY.get_sample_value(name, labels) or 0.0


class Counted:
    """The samples named, read at creation; ``added()`` gives how much each grew since."""

    def __init__(self, *samples: tuple[str, dict[str, str]]) -> None:
        self.samples = samples
        self.before = [sample(name, **labels) for name, labels in samples]

    def added(self) -> list[float]:
        return [
            sample(name, **labels) - before
            for (name, labels), before in zip(self.samples, self.before, strict=True)
        ]
