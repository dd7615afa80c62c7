"""The seam between the event store and its databases: one module per backend, chosen by vendor.

What each backend does is proven by the contract suite, which runs on both; these tests hold the
seam itself: the choice, the refusal, and that every backend module offers every operation.
"""

from __future__ import annotations

import ast
import inspect
from pathlib import Path
from types import ModuleType, SimpleNamespace

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.db import connection

from eventstore import backends
from eventstore.backends import Backend, backend_for, postgresql, sqlite

ROOT = Path(__file__).resolve().parents[2]
OPERATIONS = sorted(name for name in vars(Backend) if not name.startswith("_"))


def test_the_backend_is_chosen_by_the_connections_vendor():
    assert backend_for(connection).vendor == connection.vendor


@pytest.mark.parametrize("vendor", ["oracle", "mysql", "microsoft"])
def test_a_database_without_a_backend_module_is_refused_naming_its_vendor(vendor):
    with pytest.raises(ImproperlyConfigured, match=f"no backend for '{vendor}'"):
        backend_for(SimpleNamespace(vendor=vendor))  # type: ignore[arg-type]


@pytest.mark.parametrize("module", [postgresql, sqlite], ids=lambda m: m.__name__)
def test_each_backend_module_provides_every_operation_of_the_seam(module: ModuleType):
    assert "select_log_page" in OPERATIONS  # the list below is the Protocol's, not empty
    for name in OPERATIONS:
        provided = getattr(module, name, None)
        assert provided is not None, f"{module.__name__} lacks {name}"
        if name == "vendor":
            assert provided in (postgresql.vendor, sqlite.vendor)
            continue
        wanted = list(inspect.signature(getattr(Backend, name)).parameters.values())[1:]
        given = list(inspect.signature(provided).parameters.values())
        assert [(p.name, p.kind) for p in given] == [(p.name, p.kind) for p in wanted], name


def test_nothing_outside_the_seam_asks_which_database_it_runs_on():
    seam = Path(inspect.getfile(backends))
    askers = [
        f"{path.relative_to(ROOT)}:{node.lineno}"
        for folder in ("eventstore", "projections")
        for path in sorted((ROOT / folder).rglob("*.py"))
        if path != seam and "migrations" not in path.parts
        for node in ast.walk(ast.parse(path.read_text()))
        if isinstance(node, ast.Attribute) and node.attr == "vendor"
    ]
    assert askers == []


def test_a_commit_is_relaxed_only_inside_a_transaction_and_still_commits(committed_db):
    from django.db import transaction

    from projections.models import ProjectionState

    backend = backend_for(connection)
    with pytest.raises(RuntimeError, match="open one first"):
        backend.commit_without_waiting_for_disk(connection)
    with transaction.atomic():
        backend.commit_without_waiting_for_disk(connection)
        ProjectionState.objects.create(name="relaxed")
    assert ProjectionState.objects.filter(name="relaxed").exists()
