"""``/metrics``: the counts of every process on this machine and the scrape-time gauges, in
Prometheus' text format, for the scrapers allowed to read them.

Who may read (the figures tell how busy the shop is and how far its integrations lag, which is
no business of the public):

- a request with ``Authorization: Bearer <METRICS_TOKEN>``, from anywhere, when METRICS_TOKEN
  is set (compared in constant time);
- a request from an address in METRICS_ALLOWED_NETWORKS (default: the loopback addresses) that
  carries no forwarding header: behind a reverse proxy every request comes from the proxy's
  address, so one that says it was forwarded is judged by the token alone.

Anyone else gets 403 (401 with ``WWW-Authenticate: Bearer`` for a missing or wrong token when
one is set). Nothing here writes to the database.
"""

from __future__ import annotations

import functools
import hmac
import ipaddress
import os
from collections.abc import Iterable

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.views import View
from prometheus_client import CONTENT_TYPE_LATEST, REGISTRY, CollectorRegistry, generate_latest
from prometheus_client.multiprocess import MultiProcessCollector
from prometheus_client.registry import Collector

from observability.metrics import MULTIPROCESS_DIR_VARIABLE

Network = ipaddress.IPv4Network | ipaddress.IPv6Network
FORWARDING_HEADERS = ("Forwarded", "X-Forwarded-For", "X-Real-IP")


def render(gauges: Collector | None = None, *, multiprocess_dir: str | None = None) -> bytes:
    """The exposition text: the counted figures (of every process writing to
    ``multiprocess_dir``, default PROMETHEUS_MULTIPROC_DIR, else of this process), then
    ``gauges`` read now."""
    directory = multiprocess_dir or os.environ.get(MULTIPROCESS_DIR_VARIABLE)
    counted: Collector = REGISTRY
    if directory:
        # A registry of its own per scrape, as prometheus-client's multiprocess mode asks:
        # the collector reads every process's files afresh each time.
        counted = CollectorRegistry()
        MultiProcessCollector(counted, path=directory)
    text = generate_latest(counted)
    if gauges is not None:
        text += generate_latest(gauges)
    return text


def may_read(request: HttpRequest) -> bool | None:
    """True when ``request`` may read the metrics, False when it may not, None when only a
    valid token would let it in (the answer then asks for one)."""
    token = settings.METRICS_TOKEN
    if token and "Authorization" in request.headers:
        given = request.headers["Authorization"].encode()
        # A wrong token is refused even from an allowed address: a scraper sending one is
        # misconfigured, and saying so beats letting it in by luck of where it runs.
        return True if hmac.compare_digest(given, f"Bearer {token}".encode()) else None
    if _local(request, allowed_networks()):
        return True
    return None if token else False


@functools.cache
def _networks(spelled: tuple[str, ...]) -> tuple[Network, ...]:
    return tuple(ipaddress.ip_network(network, strict=False) for network in spelled)


def allowed_networks() -> tuple[Network, ...]:
    """METRICS_ALLOWED_NETWORKS parsed. Raises ValueError for one that is not a network."""
    return _networks(tuple(settings.METRICS_ALLOWED_NETWORKS))


def _local(request: HttpRequest, networks: Iterable[Network]) -> bool:
    if any(header in request.headers for header in FORWARDING_HEADERS):
        return False
    try:
        address = ipaddress.ip_address(request.META.get("REMOTE_ADDR", ""))
    except ValueError:
        return False
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped  # a dual-stack server's spelling of an IPv4 client
    return any(address in network for network in networks)


class MetricsView(View):
    """GET ``/metrics``: the exposition text, to those ``may_read`` lets in."""

    gauges: Collector | None = None
    http_method_names = ["get", "head"]

    def get(self, request: HttpRequest) -> HttpResponse:
        allowed = may_read(request)
        if allowed is None:
            refused = HttpResponse("Send Authorization: Bearer <METRICS_TOKEN>.\n", status=401)
            refused["WWW-Authenticate"] = 'Bearer realm="metrics"'
            return _plain(refused)
        if not allowed:
            return _plain(
                HttpResponse(
                    "Metrics are served to the addresses in METRICS_ALLOWED_NETWORKS,"
                    " or with a bearer token when METRICS_TOKEN is set.\n",
                    status=403,
                )
            )
        response = HttpResponse(render(self.gauges), content_type=CONTENT_TYPE_LATEST)
        response["Cache-Control"] = "no-store"
        return response


def _plain(response: HttpResponse) -> HttpResponse:
    response["Content-Type"] = "text/plain; charset=utf-8"
    return response
