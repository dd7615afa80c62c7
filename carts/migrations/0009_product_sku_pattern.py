"""A new product's SKU must be URL-safe (carts.skus); stored ones are reported, not changed.

Existing rows are left as they are: cart events record their SKUs for good, and every page and
route copes with a legacy one. ``manage.py check --database default`` (run by every migrate)
names them (carts.W001).
"""

import django.core.validators
from django.db import migrations, models

RULE = (
    "A SKU is 1 to 40 letters, digits, '.', '_' or '-', starting with a letter or digit"
    " (such as TEA-GRN): it is part of the product's web address."
)


class Migration(migrations.Migration):
    dependencies = [
        ("carts", "0008_cart_permission_holder"),
    ]

    operations = [
        migrations.AlterField(
            model_name="product",
            name="sku",
            field=models.CharField(
                help_text=RULE,
                max_length=40,
                unique=True,
                validators=[
                    django.core.validators.RegexValidator(
                        "\\A[A-Za-z0-9][A-Za-z0-9._-]{0,39}\\Z", RULE, code="invalid_sku"
                    )
                ],
            ),
        ),
    ]
