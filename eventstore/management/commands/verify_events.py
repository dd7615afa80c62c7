from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from eventstore import breaches
from eventstore.seal_check import SealReport, verify_seals
from eventstore.snapshots import bad_snapshots
from eventstore.transactions import log_ahead_of_server
from eventstore.verify import verify_all, verify_stream


def anchor(text: str) -> tuple[int, str]:
    """``N:DIGEST`` as printed by this command, parsed."""
    number, _, digest = text.partition(":")
    if not number.isdigit() or len(digest) != 64:
        raise ValueError(f"an anchor is NUMBER:DIGEST as verify_events prints it, not {text!r}")
    return int(number), digest.lower()


class Command(BaseCommand):
    """Check every stream's chain, every seal over the log and every snapshot, and that the
    log's order is not ahead of the database's transaction counter (a restore into another
    PostgreSQL server).

    Fails (non-zero exit) on any sign of tampering, and records each broken stream as a breach,
    so that its cart is flagged where it is shown and refuses commands.
    """

    help = (
        "Verify every event stream (versions, hash chain), the seals over the global log and"
        " every snapshot; print the newest seal to anchor outside the database."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--stream", help="check only this stream's chain")
        parser.add_argument(
            "--anchor",
            type=anchor,
            help="NUMBER:DIGEST of a seal printed earlier: fail unless the log still holds it",
        )

    def handle(self, *args: Any, stream: str | None = None, **options: Any) -> None:
        found: list[tuple[str, str]] = []
        streams, events = self._check_chains(stream, found)
        if stream is None:
            report = verify_seals(anchor=options.get("anchor"))
            self._report_seals(report, found)
            for _, problem in bad_snapshots():
                self.stderr.write(f"BROKEN {problem}")
                found.append(("", problem))
            # Every chain may be intact and the log still unreadable in this server.
            ahead = log_ahead_of_server()
            if ahead is not None:
                self.stderr.write(f"BROKEN {ahead}")
                found.append(("", str(ahead)))
        breaches.record((s, p) for s, p in found if s)
        if found:
            stream_id, problem = found[0]
            first = f"stream {stream_id}: {problem}" if stream_id else problem
            raise CommandError(f"{len(found)} problems found; first: {first}")
        checked = "all chains intact" + ("" if stream else ", seals and snapshots verified")
        self.stdout.write(f"OK: {streams} streams, {events} events, {checked}")

    def _check_chains(self, stream: str | None, found: list[tuple[str, str]]) -> tuple[int, int]:
        streams = events = 0
        for report in [verify_stream(stream)] if stream else verify_all():
            streams += 1
            events += report.events
            if report.breach is not None:
                self.stderr.write(f"BROKEN {report.breach}")
                found.append((report.stream_id, report.breach.in_stream))
        return streams, events

    def _report_seals(self, report: SealReport, found: list[tuple[str, str]]) -> None:
        for problem in report.problems:
            names = f" (streams: {', '.join(problem.streams)})" if problem.streams else ""
            self.stderr.write(f"BROKEN {problem}{names}")
            found += [(s, str(problem)) for s in problem.streams] or [("", str(problem))]
        newest = report.newest
        self.stdout.write(
            f"Seals: {report.seals} covering {report.sealed_events} events;"
            f" {report.unsealed_events} events not sealed yet."
        )
        if newest is not None:
            self.stdout.write(
                f"Newest seal: {newest.number}:{newest.digest} (keep it outside the database;"
                f" check it later with --anchor {newest.number}:{newest.digest})"
            )
