from django.contrib import admin
from django.urls import include, path

from config import health
from config.scrape_gauges import gauges
from observability.exposition import MetricsView

urlpatterns = [
    # Probes for load balancers: outside the shop and the API, never behind a log-in.
    path("healthz", health.alive, name="healthz"),
    path("readyz", health.ready, name="readyz"),
    path("admin/", admin.site.urls),
    path("metrics", MetricsView.as_view(gauges=gauges), name="metrics"),
    path("api/", include("carts.api.urls")),
    path("", include("carts.web.urls")),
]

# Branded pages, and problem documents under /api/ (config.error_pages).
# Requests Django refuses before any view (too large, too many fields, a Host not allowed):
# a problem document under /api/, a page saying why elsewhere.
handler400 = "carts.web.request_guard.bad_request"
handler403 = "config.error_pages.permission_denied"
handler404 = "config.error_pages.page_not_found"
# An error no view answered (DEBUG off): 503 when the database failed, else the shop's 500 page
# (templates/500.html) or a problem document under /api/.
handler500 = "carts.web.database_unavailable.server_error"
