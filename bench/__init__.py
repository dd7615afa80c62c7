"""Benchmarks of the event store and the cart commands, each against a same-run baseline.

Run with ``python -m bench`` (``make bench``); never part of the test suite. See bench/README.md.
"""
