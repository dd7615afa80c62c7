"""Signed webhooks: subscriptions, delivered from the event log by Standard Webhooks requests.

- :mod:`.models`: a subscription (target, filters, secrets, checkpoint, state) and the
  delivery log (one row per attempt).
- :mod:`.subscriptions`: the services that create, change, rotate, pause, resume and replay.
- :mod:`.targets`: which target URLs and addresses are allowed (no private networks).
- :mod:`.message` and :mod:`.signing`: the request body and its Standard Webhooks headers.
- :mod:`.transport`: one bounded HTTP POST to a pinned address; :mod:`.sending` one signed
  request for one event.
- :mod:`.delivery` (with :mod:`.retries`): from the checkpoint, in log order, at least once,
  with retries; :mod:`.redelivery` one event again on request.
- :mod:`.tasks`: the Celery tasks and the wake-up after a commit.
"""
