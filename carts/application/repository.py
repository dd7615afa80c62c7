"""Carts <-> event streams: loading a Cart from its snapshot and newer events, and saving it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from uuid import UUID

from carts.application.append_timing import timed_append
from carts.application.moments import moment_text
from carts.domain import errors
from carts.domain.cart import SNAPSHOT_SCHEMA, Cart
from carts.domain.events import STREAM_TYPE, cart_id_of, stream_id
from eventstore import breaches, snapshots
from eventstore.integrity import StreamIntegrity, check_stream, ever_sealed, history_problems
from eventstore.metadata import Metadata
from eventstore.store import (
    AppendResult,
    ExpectedVersion,
    RecordedEvent,
    append,
    read_stream,
    read_stream_data,
)
from eventstore.streams import read_first, written_by_command
from eventstore.tail import read_tail

CREATED = "cart.CartCreated"


def load(cart_id: UUID, *, to_version: int | None = None, as_of: datetime | None = None) -> Cart:
    """The cart now, or as it was after ``to_version`` or at the moment ``as_of`` (its events
    recorded at or before it).

    Raises CartNotYetCreated (a CartNotFound, with the creation time) when the cart exists but
    was created after ``as_of``, so ask the access policy whether the person may read the cart
    first; CartNotFound when it has no events at all.
    """
    start = None
    if as_of is None:
        snapshot = snapshots.load_snapshot(
            stream_id(cart_id), schema_version=SNAPSHOT_SCHEMA, max_version=to_version
        )
        if snapshot is not None:
            start = Cart.from_snapshot(cart_id, snapshot.state)
    # Only the events' data: replay needs nothing else, and skipping metadata, hashes and times
    # makes a long cart several times cheaper to load.
    events = read_stream_data(
        stream_id(cart_id),
        after_version=start.version if start else 0,
        to_version=to_version,
        as_of=as_of,
    )
    if start is None and not events:
        raise _not_found_by(cart_id, as_of)
    return Cart.replay(cart_id, events, start=start)


def _not_found_by(cart_id: UUID, as_of: datetime | None) -> errors.CartNotFound:
    created = read_first(stream_id(cart_id)) if as_of is not None else None
    if created is None:
        return errors.CartNotFound(f"no cart {cart_id}")
    return errors.CartNotYetCreated(
        f"cart {cart_id} did not exist yet then: it was created at"
        f" {moment_text(created.recorded_at)}; ask for a moment from then on",
        created_at=created.recorded_at,
    )


@dataclass(frozen=True)
class Loaded:
    """A cart loaded to run a command on.

    ``head_hash`` chains the next event (see save); ``earlier`` is the (version, position) of
    the last event the command id wrote to this cart, when it ran before; ``problems`` say why
    the cart's history cannot be trusted (empty when nothing was found).
    """

    cart: Cart
    head_hash: str | None
    earlier: tuple[int, int] | None
    problems: tuple[str, ...] = ()

    def require_intact(self, *, rehash: bool = False) -> None:
        """Raise CartIntegrityFailed if the history failed a check.

        With ``rehash`` the cart's whole stream is re-hashed and compared with its seals too
        (one more round trip), for a command that turns the cart's lines into money or carries
        them into another cart: it must not act on a chain nobody has seen broken yet.
        """
        problems = list(self.problems)
        if rehash and not problems:
            problems = history_problems(stream_id(self.cart.id))
        if problems:
            raise errors.CartIntegrityFailed(
                f"cart {self.cart.id} failed its integrity check ({problems[0]}); it can be read"
                " but not changed"
            )


def load_for_command(cart_id: UUID, command_id: str = "") -> Loaded:
    """The cart now, with what a command needs besides: one round trip to the database.

    The tail read's checks (recorded breaches, a gap in the versions, the seals' record of the
    cart) come back as ``problems``, and what this read found is recorded as a breach; the
    caller asks the access policy first and then ``Loaded.require_intact``, so that a person who
    may not read the cart learns nothing of its state. Raises CartNotFound for a cart with no
    events.
    """
    stream = stream_id(cart_id)
    tail = read_tail(stream, snapshot_schema=SNAPSHOT_SCHEMA, command_id=command_id)
    if tail.found:
        breaches.record([(stream, problem) for problem in tail.found])
    if tail.version == 0:
        raise errors.CartNotFound(f"no cart {cart_id}")
    start = Cart.from_snapshot(cart_id, tail.snapshot.state) if tail.snapshot else None
    cart = Cart.replay(cart_id, tail.events, start=start)
    return Loaded(cart, tail.head_hash, tail.earlier, tuple(tail.problems))


def owner_of(cart_id: UUID) -> str:
    """Who owns the cart ("" for a guest's), from its first event alone.

    Raises CartNotFound for an unknown cart.
    """
    created = read_first(stream_id(cart_id))
    if created is None:
        raise errors.CartNotFound(f"no cart {cart_id}")
    return str(Cart.replay(cart_id, [created.data]).owner_id)


def integrity(cart_id: UUID) -> StreamIntegrity:
    """The cart's whole history checked now: chain, sealed heads, recorded breaches, snapshot.

    What it finds wrong with the events is recorded as a breach, so commands refuse the cart.
    """
    return check_stream(stream_id(cart_id))


def history(cart_id: UUID) -> list[RecordedEvent]:
    """Every event of the cart, in order. Raises CartNotFound for an unknown cart."""
    events = read_stream(stream_id(cart_id))
    if not events:
        raise errors.CartNotFound(f"no cart {cart_id}")
    return events


def save(
    cart: Cart,
    *,
    expected_version: ExpectedVersion,
    metadata: Metadata,
    previous_hash: str | None = None,
) -> AppendResult:
    """Append the cart's pending events; snapshot it when it crossed a snapshot point.

    ``previous_hash`` is the head's hash from load_for_command, when the cart came from there.
    Raises eventstore's ConcurrencyError when the cart moved on since it was loaded.
    """
    with timed_append():
        result = append(
            stream_id(cart.id),
            cart.pending_events(),
            expected_version=expected_version,
            metadata=metadata,
            stream_type=STREAM_TYPE,
            previous_hash=previous_hash,
            subject=data_subject(cart),
        )
    previous = result.version - len(result.events)
    cart.mark_stored()
    if snapshots.is_due(previous, result.version) and cart.may_snapshot:
        snapshots.save_snapshot(
            stream_id(cart.id),
            version=result.version,
            state=cart.to_snapshot(),
            schema_version=SNAPSHOT_SCHEMA,
            event_hash=result.events[-1].hash,
        )
    return result


def data_subject(cart: Cart) -> str:
    """Whose personal data the cart's events hold: its owner (``user:42``, ``guest:...``), or
    for a cart nobody owns (kept with a session before guests had identities) the cart itself."""
    return cart.owner_id or f"cart:{cart.id}"


def removed(cart_id: UUID) -> bool:
    """Whether the seals recorded this cart but none of its events are stored any more."""
    stream = stream_id(cart_id)
    return ever_sealed(stream) and read_first(stream) is None


def created_by_command(command_id: str) -> tuple[UUID, int, int] | None:
    """(cart, version, position) of the cart a create command with this id opened, if it ran."""
    found = written_by_command(command_id, event_type=CREATED)
    return (cart_id_of(found[0]), found[1], found[2]) if found else None
