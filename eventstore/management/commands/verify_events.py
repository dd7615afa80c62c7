from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from eventstore.verify import verify_all, verify_stream


class Command(BaseCommand):
    """Check every stream's versions and hash chain; fail on the first sign of tampering."""

    help = "Verify that every event stream is contiguous and its hash chain intact."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--stream", help="check only this stream id")

    def handle(self, *args: Any, stream: str | None = None, **options: Any) -> None:
        reports = [verify_stream(stream)] if stream else verify_all()
        streams = events = 0
        broken = []
        for report in reports:
            streams += 1
            events += report.events
            if report.breach is not None:
                broken.append(report.breach)
                self.stderr.write(f"BROKEN {report.breach}")
        if broken:
            raise CommandError(
                f"{len(broken)} of {streams} streams failed verification; first: {broken[0]}"
            )
        self.stdout.write(f"OK: {streams} streams, {events} events, all chains intact")
