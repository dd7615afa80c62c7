"""Fixtures for the application tests: carts made through commands, projections caught up."""

from tests.projections.conftest import new_cart, project

__all__ = ["new_cart", "project"]
