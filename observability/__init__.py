"""Metrics, logs and traces of the running shop: instruments every room may use.

Knows nothing of carts, projections or the event store: the rooms report to it (a counter
incremented, a log record written), and config wires what is read at scrape time.
"""
