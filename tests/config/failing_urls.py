"""The project's URLs and error handlers, plus views that fail on purpose (shop and API paths)."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.urls import include, path

from config import urls

# What a careless error message could carry: the tests look for each in pages and logs.
PERSONAL = "jane.doe@example.com"
TOKEN = "9944b09199c62bcf9418ad846dd0e4bbdfc6ee4b"


def crash(request: HttpRequest) -> HttpResponse:
    raise RuntimeError(f"could not mail {PERSONAL} with Authorization: Token {TOKEN}")


def refuse(request: HttpRequest) -> HttpResponse:
    raise PermissionDenied(f"{PERSONAL} may not see this")


# Under /api/ in the API's namespace, as every path there is (its catch-all takes the rest).
failing_api = ([path("crash/", crash), path("refuse/", refuse)], "api")

urlpatterns = [
    path("crash/", crash),
    path("refuse/", refuse),
    path("api/", include(failing_api, namespace="api")),
    *urls.urlpatterns,
]
handler400 = urls.handler400
handler403 = urls.handler403
handler404 = urls.handler404
handler500 = urls.handler500
