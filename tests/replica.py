"""Replication, done by hand: the stand-in replica (tests/conftest.py, replica_db) holds what a
test copied there last, so that it can be made to lag behind the primary at will."""

from __future__ import annotations

from django.apps import apps
from django.db import DEFAULT_DB_ALIAS

from projections import routing
from tests.conftest import REPLICA


def replicate() -> None:
    """Make the replica's read models (rows and checkpoints) what the primary's are now."""
    for label in routing.READ_MODELS:
        model = apps.get_model(label)
        rows = list(model._default_manager.using(DEFAULT_DB_ALIAS).all())
        model._default_manager.using(REPLICA).all().delete()
        model._default_manager.using(REPLICA).bulk_create(rows)
