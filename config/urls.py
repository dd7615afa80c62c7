from django.contrib import admin
from django.urls import include, path

urlpatterns = [
    path("admin/", admin.site.urls),
    path("api/", include("carts.api.urls")),
    path("", include("carts.web.urls")),
]

# Requests Django refuses before any view (too large, too many fields, a Host not allowed):
# a problem document under /api/, a page saying why elsewhere.
handler400 = "carts.web.request_guard.bad_request"
