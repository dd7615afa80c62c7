from django.contrib import admin
from django.urls import include, path

urlpatterns = [
    path("admin/", admin.site.urls),
    path("api/", include("carts.api.urls")),
    path("", include("carts.web.urls")),
]

# An error no view answered (DEBUG off): 503 when the database failed, else the shop's 500 page.
handler500 = "carts.web.database_unavailable.server_error"
