"""16 HTTP clients send 1,000 commands in all to four shared carts through gunicorn, with a
real Celery worker and beat: no 5xx; every accepted command is in the log exactly once and
nothing else is; versions are contiguous per stream; every cart equals the replay of its
events; every read model equals a rebuild.

Each command carries a correlation id of its own (``X-Correlation-ID``, recorded in every event
it writes) and an Idempotency-Key; now and then a client sends a command again with the same
key and id, as a client does after a timeout, and must get the first answer back. Bounded:
1,000 commands, and the load gives up after LOAD_SECONDS.
"""

from __future__ import annotations

import random
import threading
import time
import uuid
from dataclasses import dataclass
from io import StringIO
from typing import Any
from uuid import UUID

import httpx
import pytest
from django.contrib.auth.models import User
from django.core.management import call_command
from django.db import connection

from carts.api.serializers import cart_document
from carts.application import catalog
from carts.application.commands import CreateCart
from carts.application.handler import Context, handle
from carts.domain.cart import Cart
from carts.domain.events import stream_id
from eventstore.metadata import Metadata
from eventstore.models import Event
from eventstore.store import read_stream_data
from projections.selectors import cart_summaries
from tests.faults.processes import Processes
from tests.faults.read_models import read_model_rows, wait_until_caught_up

pytestmark = [pytest.mark.postgres, pytest.mark.faults, pytest.mark.celery_worker]

CLIENTS = 16
COMMANDS = 1000
CARTS = 4
SKUS = ("TEA-001", "MUG-001", "POT-001")
LOAD_SECONDS = 60
REPEAT_SHARE = 0.05  # commands sent again with the same Idempotency-Key


@dataclass(frozen=True)
class Sent:
    """One command as a client sent it and what it was answered."""

    correlation_id: str
    cart_id: str
    request: tuple[str, str, Any]  # method, path, JSON body
    status: int
    body: Any
    position: int | None  # X-Event-Position: the last event it wrote
    version: int | None  # the cart version in its ETag
    repeat: bool = False  # sent again with the key of the command before it

    @property
    def accepted(self) -> bool:
        return 200 <= self.status < 300


def a_command(rng: random.Random, cart_id: str) -> tuple[str, str, Any]:
    """A random command on ``cart_id``: mostly adds, then quantities, removals, the discount."""
    sku = rng.choice(SKUS)
    path = f"/carts/{cart_id}"
    return rng.choices(
        [
            ("POST", f"{path}/items/", {"sku": sku, "quantity": rng.randint(1, 3)}),
            ("PUT", f"{path}/items/{sku}/", {"quantity": rng.randint(1, 9)}),
            ("DELETE", f"{path}/items/{sku}/", None),
            ("POST", f"{path}/discount/", {"code": "WELCOME10"}),
            ("DELETE", f"{path}/discount/", None),
        ],
        weights=[45, 20, 15, 12, 8],
    )[0]


def send(api: httpx.Client, request: tuple[str, str, Any], key: str, correlation: str) -> Sent:
    method, path, body = request
    headers = {"Idempotency-Key": key, "X-Correlation-ID": correlation}
    answer = api.request(method, path, json=body, headers=headers)
    etag = answer.headers.get("ETag")
    position = answer.headers.get("X-Event-Position")
    return Sent(
        correlation_id=correlation,
        cart_id=path.split("/")[2],
        request=request,
        status=answer.status_code,
        body=answer.json(),
        position=int(position) if position else None,
        version=int(etag.strip('"').split("-")[0]) if etag else None,
        repeat=answer.headers.get("Idempotent-Replayed") == "true",
    )


def client(url: str, token: str, carts: list[str], count: int, seed: int, sent: list[Sent]) -> None:
    """One client: ``count`` commands on random shared carts, some sent twice with one key."""
    rng = random.Random(seed)
    deadline = time.monotonic() + LOAD_SECONDS
    headers = {"Authorization": f"Token {token}"}
    previous: tuple[tuple[str, str, Any], str, str] | None = None
    with httpx.Client(base_url=f"{url}/api", headers=headers, timeout=30) as api:
        for _ in range(count):
            if time.monotonic() > deadline:
                return
            if previous is not None and rng.random() < REPEAT_SHARE:
                sent.append(send(api, *previous))  # a retry after a timeout, say
                continue
            previous = (a_command(rng, rng.choice(carts)), uuid.uuid4().hex, uuid.uuid4().hex)
            sent.append(send(api, *previous))


def run_load(url: str, tokens: list[str], carts: list[str]) -> list[Sent]:
    sent: list[Sent] = []  # list.append is atomic: the clients share it
    shares = [COMMANDS // CLIENTS + (n < COMMANDS % CLIENTS) for n in range(CLIENTS)]
    threads = [
        threading.Thread(target=client, args=(url, tokens[n], carts, shares[n], n, sent))
        for n in range(CLIENTS)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=LOAD_SECONDS + 30)
    return sent


def events_by_correlation() -> dict[str, list[tuple[str, int, int]]]:
    """(stream, version, position) of every event, by correlation id."""
    found: dict[str, list[tuple[str, int, int]]] = {}
    rows = Event.objects.values_list("correlation_id", "stream_id", "version", "position")
    for correlation, stream, version, position in rows.order_by("position"):
        found.setdefault(correlation, []).append((stream, version, position))
    return found


def gaps_in_versions() -> list[tuple[str, int, int, int]]:
    """Streams whose versions are not exactly 1..n: (stream, count, lowest, highest)."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT stream_id, count(*), min(version), max(version) FROM eventstore_event"
            " GROUP BY stream_id HAVING min(version) <> 1 OR max(version) <> count(*)"
            " OR count(DISTINCT version) <> count(*)"
        )
        return list(cursor.fetchall())


def replayed(cart_id: UUID) -> Cart:
    """The cart folded from every one of its events, no snapshot."""
    return Cart.replay(cart_id, read_stream_data(stream_id(cart_id)))


def test_sixteen_clients_on_shared_carts_lose_nothing_and_everything_derived_agrees(
    processes: Processes, shelf, integration_tokens, faults_redis
):
    env = {"CELERY_BROKER_URL": faults_redis, "DEBUG": "0", "PROJECTIONS_CATCH_UP_SECONDS": "1"}
    web = processes.gunicorn(workers=2, threads=8, env=env)
    processes.celery("worker", "--pool=solo", "--without-gossip", "--without-mingle", env=env)
    processes.celery("beat", f"--schedule={processes.directory / 'beat'}", env=env)
    owner = User.objects.create_user("shared-carts-owner")
    context = Context.system(Metadata(actor=f"user:{owner.pk}", source="system"))
    carts = [
        str(handle(CreateCart(owner_id=f"user:{owner.pk}"), context).cart.id) for _ in range(CARTS)
    ]
    opened = set(events_by_correlation())

    t = time.monotonic()
    sent = run_load(web.url, integration_tokens, carts)
    print("LOAD", time.monotonic() - t, len(sent))
    from collections import Counter

    from eventstore.models import Breach

    details = Counter(
        s.body.get("detail")
        for s in sent
        if isinstance(s.body, dict) and s.body.get("code") == "cart_integrity_failed"
    )
    for d, n in details.most_common(8):
        print("DETAIL", n, d)
    for b in Breach.objects.all():
        print("BREACH", b.stream_id, b.problem, b.found_at)
    from collections import Counter

    print(
        Counter((s.status, s.body.get("code") if isinstance(s.body, dict) else None) for s in sent)
    )

    assert len(sent) == COMMANDS, processes.outputs()
    assert [s for s in sent if s.status >= 500] == []
    assert any(s.repeat for s in sent)  # some answers were given again, from their key

    # Every accepted command is in the log once, as one contiguous run of its cart's stream
    # ending where its answer said; a refused or idle one wrote nothing; nothing else is there.
    logged = events_by_correlation()
    by_command: dict[str, list[Sent]] = {}
    for each in sent:
        by_command.setdefault(each.correlation_id, []).append(each)
    for correlation, sends in by_command.items():
        # A refused command keeps no answer, so the same key sent again runs afresh (once).
        ran = [s for s in sends if s.accepted and not s.repeat]
        assert len(ran) <= 1, sends
        events = logged.get(correlation, [])
        if not ran or ran[0].position is None:
            assert events == [], sends
            continue
        command = ran[0]
        versions = [version for _, version, _ in events]
        assert {stream for stream, _, _ in events} == {f"cart-{command.cart_id}"}, sends
        assert versions == list(range(versions[0], versions[0] + len(versions))), sends
        assert (events[-1][1], events[-1][2]) == (command.version, command.position), sends
        for repeat in sends:
            if repeat.repeat:
                assert (repeat.status, repeat.body, repeat.position) == (
                    command.status,
                    command.body,
                    command.position,
                )
    written = {c for c, sends in by_command.items() if any(s.position for s in sends)}
    assert set(logged) - opened == written
    assert gaps_in_versions() == []

    # Every cart, as the server reads it (snapshot and newer events), equals the replay of all
    # of its events, and so does its summary once the worker has caught up.
    head = Event.objects.order_by("-position").values_list("position", flat=True)[0]
    t = time.monotonic()
    assert wait_until_caught_up(head), processes.outputs()
    print("CAUGHT UP", time.monotonic() - t)
    summaries = {str(s.cart_id): s for s in cart_summaries()}
    with httpx.Client(
        base_url=f"{web.url}/api", headers={"Authorization": f"Token {integration_tokens[0]}"}
    ) as api:
        for cart_id in carts:
            cart = replayed(UUID(cart_id))
            served = api.get(f"/carts/{cart_id}/")
            expected = cart_document(cart, catalog.line_offers(cart))
            assert {k: served.json()[k] for k in expected} == expected
            assert served.headers["X-Integrity"] == "intact"
            summary = summaries[cart_id]
            assert (summary.version, summary.units, summary.total) == (
                cart.version,
                cart.units,
                cart.total,
            )

    t = time.monotonic()
    incremental = read_model_rows()
    call_command("projections", "rebuild", "--all", stdout=StringIO())
    assert read_model_rows() == incremental
    print("REBUILD", time.monotonic() - t)
    t = time.monotonic()
    call_command("verify_events", stdout=StringIO())  # every chain, seal and snapshot
    print("VERIFY", time.monotonic() - t)
