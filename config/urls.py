from django.contrib import admin
from django.urls import include, path

from config.scrape_gauges import gauges
from observability.exposition import MetricsView

urlpatterns = [
    path("admin/", admin.site.urls),
    path("metrics", MetricsView.as_view(gauges=gauges), name="metrics"),
    path("api/", include("carts.api.urls")),
    path("", include("carts.web.urls")),
]

# An error no view answered (DEBUG off): 503 when the database failed, else the shop's 500 page.
handler500 = "carts.web.database_unavailable.server_error"
