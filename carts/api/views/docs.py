"""The OpenAPI document (/api/schema/) and the interactive docs (/api/docs/): drf-spectacular's
views, held to the API's query check like every other view under /api/."""

from __future__ import annotations

from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response

from carts.api.views.base import ApiView


class DocumentationView(ApiView):
    """Refuses unknown and repeated query parameters (400, a problem document); answers its
    refusals as JSON, whatever renderer the document or page itself is served with."""

    reads: frozenset[str] = frozenset()

    def accepted_query_parameters(self, method: str = "GET") -> frozenset[str]:
        return self.reads

    def handle_exception(self, exc: Exception) -> Response:
        response = super().handle_exception(exc)
        # The YAML and HTML renderers cannot write a problem document.
        self.request.accepted_renderer = JSONRenderer()
        self.request.accepted_media_type = JSONRenderer.media_type
        return response


class SchemaView(DocumentationView, SpectacularAPIView):
    """GET /api/schema/: ``format`` (json or openapi, YAML by default) and ``lang``."""

    reads = frozenset({"format", "lang"})


class DocsView(DocumentationView, SpectacularSwaggerSplitView):
    """GET /api/docs/: Swagger UI; ``lang`` is passed on to the document it loads.

    The page's start-up script is served apart, at /api/docs/?script=, so that the page runs no
    inline script and the Content-Security-Policy can allow scripts from this site only; the
    page's one <style> block carries the request's nonce (templates/api/swagger_ui.html).
    """

    reads = frozenset({"lang", "script"})
    template_name = "api/swagger_ui.html"
