"""Seals authenticate the stream heads they record (seal format 2).

Existing seals keep format 1 (``heads`` is NULL) and still verify under the rule they were
made with; every seal written from now on carries its heads inside what its MAC covers. A
nullable column is added in place on both backends, so the append-only guards stay as they are.
"""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("eventstore", "0003_seals_and_breaches"),
    ]

    operations = [
        migrations.AddField(
            model_name="seal",
            name="heads",
            field=models.JSONField(blank=True, null=True),
        ),
    ]
