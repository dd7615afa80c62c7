"""What every API view shares: query parameters it does not know, or that take one value and
are repeated, are refused; an invalid query parameter becomes a 400 problem with a code naming
its kind; and a GET that answers an ETag honours If-Match and If-None-Match (RFC 9110 13).

Every view under /api/ derives from :class:`ApiView` (``tests/carts/api/test_query_parameters``
sends an unknown parameter to every route to keep it so).
"""

from __future__ import annotations

from typing import Any

from rest_framework import status
from rest_framework.exceptions import ValidationError
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.serializers import Serializer
from rest_framework.views import APIView

from carts.api.errors import ApiProblem, InvalidQuery, problem
from carts.api.preconditions import Condition, EntityTag, parse_condition

# The query parameters a paginator reads, by the attribute that names each.
_PAGINATOR_PARAMETERS = ("page_query_param", "page_size_query_param", "cursor_query_param")
_SAFE = ("GET", "HEAD")
# Codes a query parameter's check may give its refusal (as the ValidationError's code), answered
# as the problem's code; any other refusal of a query parameter is invalid_query_parameter.
QUERY_PROBLEM_CODES = frozenset(
    {"invalid_checkpoint", "checkpoint_not_reached", "unknown_event_type", "invalid_currency"}
)


class ApiView(APIView):
    """Base of every API view; ``query_parameters`` lists the serializers that read the query.

    The accepted parameters are those fields, the filter set's filters and the paginator's
    parameters: anything else answers 400 ``unknown_query_parameter`` naming it and the
    accepted ones, before anything is read or written (a misspelt filter silently ignored
    would answer everything).
    """

    query_parameters: tuple[type[Serializer], ...] = ()
    filterset_class: Any = None  # django-filter's FilterSet, read by DjangoFilterBackend

    def initial(self, request: Request, *args: Any, **kwargs: Any) -> None:
        super().initial(request, *args, **kwargs)
        if not hasattr(self, (request.method or "").lower()):
            return  # answered 405 Method Not Allowed, whatever the query and headers say
        accepted = self.accepted_query_parameters(request.method or "GET")
        unknown = sorted(name for name in request.query_params if name not in accepted)
        if unknown:
            raise ApiProblem(
                f"unknown query parameter {', '.join(map(repr, unknown))}; this endpoint"
                f" accepts {', '.join(sorted(accepted)) or 'none'}",
                status_code=status.HTTP_400_BAD_REQUEST,
                code="unknown_query_parameter",
            )
        self._refuse_repeated_query_parameters(request)
        if request.method in _SAFE:
            # Parsed up front, so a malformed header is a 400 whatever the answer would be.
            self.conditions = {
                header: parse_condition(value, header=header)
                for header in ("If-Match", "If-None-Match")
                if (value := request.headers.get(header)) is not None
            }

    def _refuse_repeated_query_parameters(self, request: Request) -> None:
        repeatable = self.repeatable_query_parameters()
        repeated = sorted(
            name
            for name in request.query_params
            if name not in repeatable and len(request.query_params.getlist(name)) > 1
        )
        if repeated:
            raise ApiProblem(
                f"query parameter {', '.join(map(repr, repeated))} given more than once; it takes"
                " one value: send it once"
                + (f" (only {', '.join(sorted(repeatable))} may repeat)" if repeatable else ""),
                status_code=status.HTTP_400_BAD_REQUEST,
                code="repeated_query_parameter",
            )

    def repeatable_query_parameters(self) -> frozenset[str]:
        """The filters that take several values by repeating the parameter (``?status=open&
        status=checked_out``); every other parameter takes one value and is refused repeated,
        rather than silently reading one of them."""
        if self.filterset_class is None:
            return frozenset()
        return frozenset(
            name
            for name, declared in self.filterset_class.base_filters.items()
            if getattr(declared.field.widget, "allow_multiple_selected", False)
        )

    def handle_exception(self, exc: Exception) -> Response:
        # The one place query validation becomes a problem: a read takes its input from the
        # query alone, so any invalid input it meets is a query parameter, answered with the
        # parameter's own code when its check names one (invalid_checkpoint, invalid_currency,
        # ...), else invalid_query_parameter; the parameter is named in the detail and errors.
        read = self.request.method in _SAFE
        if read and isinstance(exc, ValidationError) and not isinstance(exc, InvalidQuery):
            exc = InvalidQuery(exc.detail, code=_query_problem_code(exc))
        return super().handle_exception(exc)

    def accepted_query_parameters(self, method: str = "GET") -> frozenset[str]:
        """Every query parameter this view reads for ``method`` (commands read none)."""
        if method not in _SAFE:
            return frozenset()
        names: set[str] = {str(name) for query in self.query_parameters for name in query().fields}
        if self.filterset_class is not None:
            for name, declared in self.filterset_class.base_filters.items():
                # A range filter reads two parameters, e.g. price_min and price_max.
                suffixes = getattr(declared.field.widget, "suffixes", None) or [""]
                names.update(f"{name}_{suffix}" if suffix else name for suffix in suffixes)
        paginator = getattr(self, "paginator", None)
        names.update(
            value
            for attribute in _PAGINATOR_PARAMETERS
            if (value := getattr(paginator, attribute, None))
        )
        return frozenset(names)

    def finalize_response(self, request: Request, response: Any, *args: Any, **kwargs: Any) -> Any:
        if request.method in _SAFE and response.status_code == 200 and response.has_header("ETag"):
            response = _conditional(getattr(self, "conditions", {}), response)
        return super().finalize_response(request, response, *args, **kwargs)


def _conditional(conditions: dict[str, Condition], response: Response) -> Response:
    """RFC 9110 13.2.2 for a GET that found its representation: If-Match first (strong
    comparison, 412 when false), then If-None-Match (weak comparison, 304 when it matches)."""
    current = _current_tag(response["ETag"])
    if_match, if_none_match = conditions.get("If-Match"), conditions.get("If-None-Match")
    if if_match is not None and not if_match.matches_strongly(current):
        return problem(
            412,
            code="precondition_failed",
            detail=f"If-Match names no current tag of this resource: its ETag is {response['ETag']}"
            " (compared strongly, so a weak tag never matches)",
        )
    if if_none_match is not None and if_none_match.matches_weakly(current):
        headers = {
            name: value
            for name, value in response.items()
            if name.lower() not in ("content-type", "content-length")
        }
        return Response(status=status.HTTP_304_NOT_MODIFIED, headers=headers)
    return response


def _current_tag(header: str) -> EntityTag:
    condition = parse_condition(header, header="ETag")
    return condition.tags[0]


def _query_problem_code(exc: ValidationError) -> str:
    codes = set(_flat_codes(exc.get_codes()))
    return next(
        (code for code in sorted(QUERY_PROBLEM_CODES) if code in codes), "invalid_query_parameter"
    )


def _flat_codes(codes: Any) -> list[str]:
    if isinstance(codes, dict):
        return [code for value in codes.values() for code in _flat_codes(value)]
    if isinstance(codes, list):
        return [code for value in codes for code in _flat_codes(value)]
    return [str(codes)]
