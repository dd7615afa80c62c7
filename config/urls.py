from django.contrib import admin
from django.urls import include, path

from config import health

urlpatterns = [
    # Probes for load balancers: outside the shop and the API, never behind a log-in.
    path("healthz", health.alive, name="healthz"),
    path("readyz", health.ready, name="readyz"),
    path("admin/", admin.site.urls),
    path("api/", include("carts.api.urls")),
    path("", include("carts.web.urls")),
]

# Branded pages, and problem documents under /api/ (config.error_pages).
handler400 = "config.error_pages.bad_request"
handler403 = "config.error_pages.permission_denied"
handler404 = "config.error_pages.page_not_found"
handler500 = "config.error_pages.server_error"
