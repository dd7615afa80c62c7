"""The username django-axes records for a log-in attempt, cut to the length a username can have.

axes stores what was typed in a column of 255 characters; a form posting thousands made
PostgreSQL refuse the insert (a 500 where a refused log-in belongs). No username is longer than
Django's 150 characters, so the cut changes no real user's lockout.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth.models import AbstractUser
from django.http import HttpRequest

USERNAME_LENGTH = AbstractUser._meta.get_field("username").max_length or 150


def username_of(request: HttpRequest, credentials: dict[str, Any] | None) -> str | None:
    """The attempt's username (from the credentials, else the form), at most 150 characters."""
    name = (credentials or {}).get("username")
    if name is None:
        name = request.POST.get("username")
    return None if name is None else str(name)[:USERNAME_LENGTH]
