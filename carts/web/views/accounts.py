"""Signing up, logging in, and a shopper's own data. Logging out is Django's own view.

A form the shop shows again because something in it was refused answers 400, as the checkout
details do: the page says what, next to the field, and nothing was written.
"""

from __future__ import annotations

import json

from django.contrib.auth import login
from django.contrib.auth.forms import AuthenticationForm
from django.contrib.auth.views import LoginView
from django.core.serializers.json import DjangoJSONEncoder
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods

from carts.application.customer_data import customer_data
from carts.web.forms import SignUpForm
from carts.web.request_context import person_of
from carts.web.views.feedback import is_local_target


@require_http_methods(["GET", "POST"])
def sign_up(request: HttpRequest) -> HttpResponse:
    """Create a shopper account and log in (which merges the guest cart, as any log-in does)."""
    form = SignUpForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        user = form.save()
        login(request, user, backend="django.contrib.auth.backends.ModelBackend")
        return redirect("catalog")
    refused = request.method == "POST"
    return render(
        request, "registration/signup.html", {"form": form}, status=400 if refused else 200
    )


class LogInView(LoginView):
    """Django's log-in, answering 400 when it shows the form again with what was wrong, and
    going on to ``next`` only when it is a path of the shop (is_local_target)."""

    def get_redirect_url(self) -> str:
        target = super().get_redirect_url()
        return target if is_local_target(self.request, target) else ""

    def form_invalid(self, form: AuthenticationForm) -> HttpResponse:
        response = super().form_invalid(form)
        response.status_code = 400
        return response


@never_cache
@require_GET
def my_data(request: HttpRequest) -> HttpResponse:
    """Everything the shop holds about the signed-in shopper, or this session's guest, as a JSON
    download (carts.application.customer_data; GDPR art. 15 and 20). A new visitor's shows no
    carts (every shop page gives a guest identity; a request without a session gets 404)."""
    person = person_of(request)
    if not person.owner_ids:
        raise Http404("the shop holds nothing about you")
    body = json.dumps(customer_data(person), cls=DjangoJSONEncoder, indent=2, ensure_ascii=False)
    response = HttpResponse(body, content_type="application/json; charset=utf-8")
    name = f"ledger-shop-data-{timezone.now():%Y-%m-%d}.json"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response
