"""``manage.py projections status | rebuild <name> | rebuild --all | catch-up [name]``."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from eventstore.transactions import oldest_open_transaction
from projections import rebuild as rebuilding
from projections import runner
from projections.registry import UnknownProjection, names, projector_class
from projections.routing import primary_reads
from projections.selectors import (
    ProjectionStatus,
    RebuildProgress,
    ShardStatus,
    projection_statuses,
)


class Command(BaseCommand):
    """Show the projections' status and lag, catch them up, or rebuild them."""

    help = "Projections: status, catch-up [name], rebuild <name> | rebuild --all."

    def add_arguments(self, parser: CommandParser) -> None:
        actions = parser.add_subparsers(dest="action", required=True)
        actions.add_parser("status", help="checkpoint, head, lag and state of each projection")
        catch_up = actions.add_parser("catch-up", help="apply new events now (retries failing)")
        catch_up.add_argument("name", nargs="?", help="one projection (default: all)")
        rebuild = actions.add_parser("rebuild", help="rebuild from the first event, then switch")
        rebuild.add_argument("name", nargs="?", help=f"one of: {', '.join(names())}")
        rebuild.add_argument("--all", action="store_true", help="rebuild every projection")
        actions.add_parser("resume", help="go on with the stalled parts of rebuilds, here")

    def handle(self, *args: Any, action: str, **options: Any) -> None:
        # Every action works on the runners' own state, never on a replica's copy of it.
        with primary_reads():
            self._act(action, options)

    def _act(self, action: str, options: dict[str, Any]) -> None:
        if action == "status":
            self._status()
        elif action == "resume":
            for name in names():
                resumed = rebuilding.resume_stalled(name)
                self.stdout.write(f"{name}: {len(resumed)} stalled shard(s) resumed")
        elif action == "catch-up":
            self._catch_up(self._names(options["name"], everything=not options["name"]))
        else:
            self._rebuild(self._names(options["name"], everything=options["all"]))

    def _names(self, name: str | None, *, everything: bool) -> list[str]:
        if everything == bool(name):
            raise CommandError("name one projection, or pass --all (not both)")
        if everything:
            return names()
        try:
            projector_class(name or "")
        except UnknownProjection as error:
            raise CommandError(str(error)) from None
        return [name or ""]

    def _status(self) -> None:
        statuses = projection_statuses()
        rows = [STATUS_COLUMNS, *(_status_cells(status) for status in statuses)]
        widths = [max(len(row[i]) for row in rows) for i in range(len(STATUS_COLUMNS))]
        self.stdout.write(_aligned(STATUS_COLUMNS, widths))
        for status, cells in zip(statuses, rows[1:], strict=True):
            self.stdout.write(_aligned(cells, widths))
            if status.configured_shards != status.shard_count:
                configured = status.configured_shards
                self.stdout.write(
                    f"  {configured} shard{'s' if configured != 1 else ''} configured: from the"
                    " next rebuild on"
                )
            if len(status.shards) > 1:
                for shard in status.shards:
                    self.stdout.write(_shard_line(shard))
            if status.rebuild is not None:
                self.stdout.write(_rebuild_line(status.rebuild))
            if status.last_error and status.last_error != status.rebuild_error:
                self.stdout.write(self.style.ERROR(f"  {status.last_error}"))
            if status.rebuild_error:
                self.stdout.write(self.style.ERROR(f"  {REBUILD_FAILED}: {status.rebuild_error}"))
        self._oldest_transaction()

    def _oldest_transaction(self) -> None:
        # On PostgreSQL every projection waits for the oldest open transaction to end.
        oldest = oldest_open_transaction()
        if oldest is not None:
            line = f"oldest open transaction: {oldest.describe()}"
            self.stdout.write(self.style.WARNING(line) if oldest.too_old else line)

    def _catch_up(self, selected: list[str]) -> None:
        for name in selected:
            read = runner.catch_up(name, retry_now=True)
            self.stdout.write(f"{name}: {read} events read")

    def _rebuild(self, selected: list[str]) -> None:
        for name in selected:
            try:
                read = rebuilding.rebuild(name, after_batch=self._progress(name))
            except (rebuilding.RebuildFailed, rebuilding.RebuildSuperseded) as error:
                raise CommandError(str(error)) from None
            self.stdout.write(self.style.SUCCESS(f"{name}: rebuilt from {read} events"))

    def _progress(self, name: str) -> Any:
        def report(read: int) -> None:
            if read and read % 10_000 == 0:
                self.stdout.write(f"{name}: {read} events so far")

        return report


# What a failed rebuild means, and the way out of it (the dashboard says the same).
REBUILD_FAILED = (
    "the last rebuild failed (the live model is untouched and serves on); fix the cause, then "
    "rebuild again to clear this"
)


def _rebuild_line(rebuild: RebuildProgress) -> str:
    rate = f", {rebuild.rate:.0f} events/s" if rebuild.rate and not rebuild.stalled else ""
    line = f"  rebuild: {rebuild.done} events done, {rebuild.to_do} to do{rate}"
    if rebuild.stalled:
        line += "; stalled (no heartbeat): `projections resume` goes on from its checkpoints"
    return line


STATUS_COLUMNS: tuple[str, ...] = ("projection", "state", "position", "head", "lag", "lag s")
STATUS_COLUMNS += ("shards", "failing", "parked", "skipped")


def _status_cells(status: ProjectionStatus) -> tuple[str, ...]:
    state = status.state
    if status.rebuild_progress is not None:
        state += f" {status.rebuild_progress:.0%}"
    numbers = (status.position, status.head_position, status.lag_events)
    return (
        status.name,
        state,
        *map(str, numbers),
        f"{status.lag_seconds:.1f}",
        *map(str, (status.shard_count, status.failing_shards, status.parked, status.skipped)),
    )


def _aligned(cells: tuple[str, ...], widths: list[int]) -> str:
    """Two spaces between columns; names and states to the left, numbers to the right."""
    return "  ".join(
        cell.ljust(width) if i < 2 else cell.rjust(width)
        for i, (cell, width) in enumerate(zip(cells, widths, strict=True))
    ).rstrip()


def _shard_line(shard: ShardStatus) -> str:
    line = (
        f"  shard {shard.shard}: read to #{shard.position}, lag {shard.lag_events} events"
        f" ({shard.lag_seconds:.1f} s), checkpoint {shard.checkpoint or '(start)'}"
    )
    if shard.failed_position is not None:
        line += f"; failing at #{shard.failed_position} ({shard.retry_count} attempts)"
    return line
