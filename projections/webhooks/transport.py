"""One webhook request: a POST to a checked address, bounded in time and in what it reads.

httpx rather than the standard library: it separates connect, read and write timeouts, follows
no redirect unless asked, can be kept from reading proxies from the environment, streams the
response so at most WEBHOOKS_MAX_RESPONSE_BYTES are read, and lets the TLS server name differ
from the address connected to (``sni_hostname``), which pinning the checked address needs.
urllib follows redirects by default and cannot connect to one address while verifying the
certificate of a name without reimplementing its handlers.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import httpx
from django.conf import settings

from projections.webhooks.targets import Target

USER_AGENT = "ledger-shop-webhooks/1"
CHUNK_BYTES = 16 * 1024


@dataclass(frozen=True)
class Answer:
    """What came back: the status code (None when no response did), latency and error."""

    status: int | None
    latency_ms: int
    error: str = ""

    @property
    def succeeded(self) -> bool:
        return self.status is not None and 200 <= self.status < 300

    @property
    def failure_reason(self) -> str:
        """Why it failed, as the failures metric names it: timeout, connection, refused, or
        status_4xx / status_5xx / status_other; "" for a success."""
        if self.succeeded:
            return ""
        if self.status is not None:
            return f"status_{self.status // 100}xx" if 400 <= self.status < 600 else "status_other"
        return next(
            (reason for reason in ("timeout", "refused") if self.error.startswith(f"{reason}:")),
            "connection",
        )


def new_client() -> httpx.Client:
    """A client for one run of deliveries to one target (connections are kept alive in it)."""
    timeout = httpx.Timeout(
        connect=settings.WEBHOOKS_CONNECT_TIMEOUT,
        read=settings.WEBHOOKS_READ_TIMEOUT,
        write=settings.WEBHOOKS_READ_TIMEOUT,
        pool=settings.WEBHOOKS_CONNECT_TIMEOUT,
    )
    # trust_env=False: an HTTP(S)_PROXY in the worker's environment must not reroute requests
    # around the address check.
    return httpx.Client(timeout=timeout, follow_redirects=False, trust_env=False)


def post(client: httpx.Client, target: Target, *, body: str, headers: dict[str, str]) -> Answer:
    """POST ``body`` to ``target`` at its checked address; never raises for a network error.

    The Host header and the TLS server name are the URL's host, so virtual hosting and
    certificate checks work as if the name had been resolved by the client itself.
    """
    parts = target.url
    address = f"[{target.address}]" if target.address.version == 6 else str(target.address)
    pinned = parts._replace(netloc=f"{address}:{target.port}", fragment="").geturl()
    request_headers = {
        "content-type": "application/json",
        "user-agent": USER_AGENT,
        "host": parts.netloc,
        **headers,
    }
    extensions = {"sni_hostname": target.host} if parts.scheme == "https" else {}
    started = time.perf_counter()
    try:
        with client.stream(
            "POST", pinned, content=body.encode(), headers=request_headers, extensions=extensions
        ) as response:
            _drain(response)
            return Answer(response.status_code, _since(started))
    except httpx.TimeoutException as error:
        return Answer(None, _since(started), f"timeout: {type(error).__name__} {error}"[:1000])
    except (httpx.HTTPError, OSError) as error:
        return Answer(None, _since(started), f"connection error: {error!r}"[:1000])


def _drain(response: httpx.Response) -> None:
    """Read at most WEBHOOKS_MAX_RESPONSE_BYTES of the body (undecoded), then stop."""
    left = settings.WEBHOOKS_MAX_RESPONSE_BYTES
    for chunk in response.iter_raw(CHUNK_BYTES):
        left -= len(chunk)
        if left <= 0:
            break


def _since(started: float) -> int:
    return round((time.perf_counter() - started) * 1000)
