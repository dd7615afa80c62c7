"""Real processes for the fault tests, each run against the test database and always stopped.

gunicorn with the project's WSGI app, Celery worker and beat, ``manage.py`` commands and a
private ``redis-server`` are started as children of the test with the test database's
``DATABASE_URL`` and this process's ``SECRET_KEY`` (the seal key and the personal data master
key derive from it, so every process must read and sign alike). Their output goes to a log file
per process, quoted when an assertion fails. :class:`Processes` stops every one it started, in
reverse order, whatever the test did: SIGTERM, then SIGKILL after a few seconds.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path

import httpx
import redis
from django.conf import settings
from django.db import connection

BASE_DIR = Path(settings.BASE_DIR)
STOP_SECONDS = 10
# Services a test chooses for its processes itself (unset: Celery runs tasks in-process).
_CHOSEN_PER_TEST = ("CELERY_BROKER_URL", "CACHE_URL", "NATS_URL", "DEBUG")


def database_url() -> str:
    """The URL of the database this test runs on (pytest-django's ``test_`` database)."""
    db = connection.settings_dict
    password = f":{db['PASSWORD']}" if db["PASSWORD"] else ""
    return f"postgres://{db['USER']}{password}@{db['HOST']}:{db['PORT'] or 5432}/{db['NAME']}"


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def wait_until(ready: Callable[[], bool], *, seconds: float, what: str) -> None:
    """Poll ``ready`` every 0.1 s; AssertionError naming ``what`` when ``seconds`` run out."""
    deadline = time.monotonic() + seconds
    while not ready():
        if time.monotonic() > deadline:
            raise AssertionError(f"{what} within {seconds:.0f} s")
        time.sleep(0.1)


@dataclass
class Running:
    """One started process and the file its output goes to."""

    name: str
    popen: subprocess.Popen[bytes]
    log: Path
    url: str = ""  # where a server listens

    def output(self, tail: int = 4000) -> str:
        """The end of what it printed (for assertion messages)."""
        return f"--- {self.name} ---\n" + self.log.read_text(errors="replace")[-tail:]

    def alive(self) -> bool:
        return self.popen.poll() is None

    def kill(self) -> None:
        """SIGKILL, as a crash or the kernel's OOM killer would: no clean-up runs."""
        self.popen.send_signal(signal.SIGKILL)
        self.popen.wait(timeout=STOP_SECONDS)

    def stop(self) -> None:
        """SIGTERM, then SIGKILL if it has not exited within a few seconds."""
        if not self.alive():
            return
        self.popen.terminate()
        try:
            self.popen.wait(timeout=STOP_SECONDS)
        except subprocess.TimeoutExpired:
            self.kill()


class Processes:
    """Starts processes for one test and stops all of them at its end (see the fixture)."""

    def __init__(self, directory: Path, environment: Mapping[str, str]) -> None:
        self.directory = directory
        self.environment = dict(environment)
        self.started: list[Running] = []

    def start(self, name: str, *argv: str, env: Mapping[str, str] | None = None) -> Running:
        """Start ``argv`` in the project's directory with the shared environment (+ ``env``)."""
        log = self.directory / f"{name}-{len(self.started)}.log"
        with log.open("wb") as output:
            popen = subprocess.Popen(
                argv,
                cwd=BASE_DIR,
                env={**self.environment, **(env or {})},
                stdout=output,
                stderr=subprocess.STDOUT,
                start_new_session=True,  # a SIGINT to pytest is not also a SIGINT to them
            )
        running = Running(name, popen, log)
        self.started.append(running)
        return running

    def manage(self, *argv: str, env: Mapping[str, str] | None = None) -> Running:
        """``python manage.py ...``, started (not awaited)."""
        return self.start(argv[0], sys.executable, "manage.py", *argv, env=env)

    def run(self, *argv: str, env: Mapping[str, str] | None = None, seconds: float = 60) -> str:
        """Run ``argv`` to its end (killed after ``seconds``); its output. AssertionError, with
        the output, unless it exits with status 0."""
        running = self.start(Path(argv[0]).name, *argv, env=env)
        try:
            status = running.popen.wait(timeout=seconds)
        except subprocess.TimeoutExpired:
            running.kill()
            raise AssertionError(f"{argv} still running after {seconds} s") from None
        output = running.log.read_text(errors="replace")
        assert status == 0, f"{argv} exited with {status}:\n{output[-4000:]}"
        return output

    def gunicorn(
        self, *, workers: int, threads: int, env: Mapping[str, str] | None = None
    ) -> Running:
        """gunicorn serving config.wsgi on a free port of 127.0.0.1 (its ``url``), once it
        answers."""
        port = free_port()
        server = self.start(
            "gunicorn",
            *(sys.executable, "-m", "gunicorn", "config.wsgi", "--bind", f"127.0.0.1:{port}"),
            *("--workers", str(workers), "--threads", str(threads), "--timeout", "60"),
            env=env,
        )
        server.url = f"http://127.0.0.1:{port}"
        wait_until(
            lambda: _answers(server.url) or not server.alive(), seconds=30, what="gunicorn up"
        )
        assert server.alive(), server.output()
        return server

    def celery(self, role: str, *argv: str, env: Mapping[str, str] | None = None) -> Running:
        """``celery -A config worker|beat ...``; a worker is returned once it is ready."""
        running = self.start(
            f"celery-{role}",
            *(sys.executable, "-m", "celery", "-A", "config", role, "--loglevel=INFO", *argv),
            env=env,
        )
        if role == "worker":
            wait_until(
                lambda: "ready." in running.log.read_text(errors="replace") or not running.alive(),
                seconds=60,
                what="the Celery worker ready",
            )
            assert running.alive(), running.output()
        return running

    def redis_server(self, port: int) -> Running:
        """A private redis-server on 127.0.0.1:``port``, without persistence; once it answers."""
        running = self.start(
            "redis-server",
            *("redis-server", "--bind", "127.0.0.1", "--port", str(port)),
            *("--save", "", "--appendonly", "no"),
        )
        client = redis.Redis(host="127.0.0.1", port=port, socket_connect_timeout=1)
        wait_until(lambda: _pings(client), seconds=15, what=f"redis-server on {port} up")
        return running

    def stop_all(self) -> None:
        """Stop every process started, newest first; never raises for one that will not stop."""
        for running in reversed(self.started):
            try:
                running.stop()
            except Exception:  # an error stopping one must not leave the others running
                if running.alive():
                    running.popen.kill()

    def outputs(self) -> str:
        """What every process printed, for an assertion message."""
        return "\n".join(running.output() for running in self.started)


def base_environment() -> dict[str, str]:
    """The environment every child starts from: this one, on the test database."""
    inherited = {k: v for k, v in os.environ.items() if k not in _CHOSEN_PER_TEST}
    return {
        **inherited,
        "DATABASE_URL": database_url(),
        "SECRET_KEY": settings.SECRET_KEY,
        "PYTHONUNBUFFERED": "1",
        "LOG_LEVEL": "WARNING",
        # Plain HTTP on 127.0.0.1, as `make up` serves: no redirect to HTTPS, cookies sent back.
        "SECURE_SSL_REDIRECT": "0",
        "SECURE_COOKIES": "0",
    }


def _answers(url: str) -> bool:
    try:
        httpx.get(f"{url}/api/", timeout=1)
    except httpx.HTTPError:
        return False
    return True


def _pings(client: redis.Redis) -> bool:
    try:
        return bool(client.ping())
    except redis.RedisError:
        return False
