from django.contrib.admin.apps import AdminConfig


class LedgerShopAdminConfig(AdminConfig):
    """django.contrib.admin with the shop's admin site as the default ``admin.site``."""

    default_site = "config.admin_site.LedgerShopAdminSite"
