"""``manage.py projections status | rebuild <name> | rebuild --all | catch-up [name]``."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from eventstore.transactions import oldest_open_transaction
from projections import rebuild as rebuilding
from projections import runner
from projections.registry import UnknownProjection, names, projector_class
from projections.routing import primary_reads
from projections.selectors import ProjectionStatus, RebuildProgress, projection_statuses


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
        header = (
            f"{'projection':<18}{'state':<13}{'position':>10}{'head':>10}{'lag':>8}{'lag s':>10}"
            f"{'shards':>8}{'failing':>9}{'parked':>8}{'skipped':>9}"
        )
        self.stdout.write(header)
        for status in projection_statuses():
            self.stdout.write(_status_line(status))
            if status.rebuild is not None:
                self.stdout.write(_rebuild_line(status.rebuild))
            if status.last_error:
                self.stdout.write(self.style.ERROR(f"  {status.last_error}"))
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


def _rebuild_line(rebuild: RebuildProgress) -> str:
    rate = f", {rebuild.rate:.0f} events/s" if rebuild.rate and not rebuild.stalled else ""
    line = f"  rebuild: {rebuild.done} events done, {rebuild.to_do} to do{rate}"
    if rebuild.stalled:
        line += "; stalled (no heartbeat): `projections resume` goes on from its checkpoints"
    return line


def _status_line(status: ProjectionStatus) -> str:
    state = status.state
    if status.rebuild_progress is not None:
        state += f" {status.rebuild_progress:.0%}"
    return (
        f"{status.name:<18}{state:<13}{status.position:>10}{status.head_position:>10}"
        f"{status.lag_events:>8}{status.lag_seconds:>10.1f}{status.shard_count:>8}"
        f"{status.failing_shards:>9}{status.parked:>8}{status.skipped:>9}"
    )
