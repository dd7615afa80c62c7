"""Hostile values for the forms of the shop and the admin, and how an answer to one is judged.

A form is sent as a browser would (form-encoded, or a query string for a GET), by a signed-in
person, with hostile text in one or more of its fields and valid values in the others. Every
request runs inside a savepoint rolled back afterwards, so each value meets the same shop (an
accepted abandonment does not close the cart for the values after it).

What every answer must do (``Verdict.problems`` lists what it did not):

- never a 5xx, neither for the request nor (for input shaped as HTML) the page it redirects to;
- a refusal says why: a 4xx page or problem document with a message, a form shown again with
  its errors, or a redirect to a page showing an error message (the shop's and the admin's
  post/redirect/get) -- and it wrote no event;
- what it accepted is what the form's rules allow (a field's ``rule``; anything else must be
  refused), and no event it wrote holds a control, format or other invisible character;
- text shaped as HTML is never rendered unescaped, on the answer or the page after it.

The shop's forms that show themselves again with a refusal answer 400 (sign-up, log-in,
checkout details); a page whose query was not valid (time travel, a list's filters) is shown
with the message and 200, as htmx swaps only 2xx answers into the page; the admin's own forms
answer as Django's admin does (200, with its error note).
"""

from __future__ import annotations

import html
import unicodedata
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from http.cookies import SimpleCookie
from typing import Any
from urllib.parse import quote, urlencode, urljoin

from django.contrib import messages
from django.contrib.auth.models import User
from django.db import transaction
from django.test import Client
from hypothesis import strategies as st

from eventstore.models import Event
from eventstore.personal import Opener
from eventstore.registry import registry


@dataclass(frozen=True)
class Hostile:
    """A value as a person could type or a client could send it."""

    name: str
    text: str


HOSTILE = [
    Hostile("empty", ""),
    Hostile("spaces only", "   "),
    Hostile("zero", "0"),
    Hostile("negative", "-1"),
    Hostile("huge", "99999999999999999999"),
    Hostile("fraction", "1.5"),
    Hostile("5,000 digits", "9" * 5000),
    Hostile("superscript digit", "²"),
    Hostile("full-width digits", "１２"),
    Hostile("unknown SKU, path traversal", "NO-SUCH-SKU/../../etc/passwd"),
    Hostile("malformed UUID", "0b6f7c36-3c0a-4a55-9d2c-6a1c7f3f3a1g"),
    Hostile("direction override, zero-width space", "\u202eWEL\u200bCOME10"),
    Hostile("ANSI escape, C0 controls", "\x1b[31mAda\x01Lovelace\x7f"),
    Hostile("controls Python counts as spaces", "Ada\x1fLove\x85lace\x0b"),
    Hostile("line break and header", "x\r\nSet-Cookie: a=b"),
    Hostile("lone surrogate", "\ud800"),
    Hostile("NUL", "tea\x00"),
    Hostile("emoji and combining marks", "🍵e\u0301" * 5),
    Hostile("SQL and LIKE wildcards", "' OR '1'='1'; DROP TABLE eventstore_event; --%_\\"),
    Hostile("script", "<script>alert(1)</script>"),
    Hostile("attribute break-out", '"><img src=x onerror=alert(1)>'),
    Hostile("template syntax", "{{ request }}{% debug %}"),
    Hostile("very long", "x" * 5000),
]
# What would show that HTML-shaped input reached a page unescaped.
UNESCAPED = ("<script>alert(1)</script>", "<img src=x onerror=alert(1)>")
# How a refusal shows on a page: the shop's messages and field errors, Django's and the admin's.
ERROR_MARKERS = (
    'class="message message-error',
    'class="field-error"',
    'class="errorlist',
    'class="errornote"',
    '<li class="error">',
)


def hostile_text() -> st.SearchStrategy[str]:
    """A hostile value: one of the table, or generated text of any script, controls included
    (surrogates as far as a form carries them: as the bytes they would be in UTF-8)."""
    generated = st.text(st.characters(codec="utf-8", exclude_characters="\x00"), max_size=60)
    numbers = st.integers(min_value=-(10**30), max_value=10**30).map(str)
    return st.one_of(st.sampled_from([h.text for h in HOSTILE]), generated, numbers)


Rule = Callable[[str], bool]
# The test client's answer: an HttpResponse with the request it answered (wsgi_request).
Answer = Any


@dataclass(frozen=True)
class Form:
    """A form (or a page's query) as a person sends it.

    ``url`` may hold ``{path}``, where a fuzzed path segment goes (``fuzzed`` then names
    ``path``). ``rules`` say which values of a field the form may accept: any other value
    must be refused. ``together`` groups the fuzzed fields that take a value at once (by
    default all of them); a field whose refusal would hide the others' is a group of its own.
    """

    name: str
    method: str
    url: str
    fields: Mapping[str, str]
    fuzzed: tuple[str, ...]
    who: str
    rules: Mapping[str, Rule] = field(default_factory=dict)
    together: tuple[tuple[str, ...], ...] = ()

    def groups(self) -> tuple[tuple[str, ...], ...]:
        """The groups of fields a value is sent in at once."""
        return self.together or (self.fuzzed,)


@dataclass
class Verdict:
    """What one request did: its status, whether it was refused and said so, what it broke."""

    status: int
    refused: bool
    problems: list[str]


class People:
    """Signed-in clients by role, each put back to its first cookies before every request (a
    rolled-back request may have ended or replaced its session)."""

    def __init__(self, people: Mapping[str, User | None]) -> None:
        self._clients: dict[str, tuple[Client, SimpleCookie]] = {}
        for role, person in people.items():
            client = Client(raise_request_exception=False)
            if person is not None:
                client.force_login(person)
            else:
                client.get("/")  # a guest's identity, as any shop page gives one
            self._clients[role] = (client, SimpleCookie(client.cookies.output(header="")))

    def client(self, role: str) -> Client:
        client, cookies = self._clients[role]
        client.cookies = SimpleCookie(cookies.output(header=""))
        return client


def send(people: People, form: Form, hostile: Mapping[str, str]) -> Verdict:
    """Send ``form`` with ``hostile`` values in the fields they name; judge the answer. Nothing
    it writes outlives the call."""
    rescue = transaction.savepoint()
    try:
        return _judged(people.client(form.who), form, hostile)
    finally:
        transaction.savepoint_rollback(rescue)


def _judged(client: Client, form: Form, hostile: Mapping[str, str]) -> Verdict:
    last = Event.objects.order_by("-position").values_list("position", flat=True).first() or 0
    pages = _answer_and_after(client, form, hostile)
    written = list(Event.objects.filter(position__gt=last).order_by("position"))
    texts = [_text(page) for page in pages]
    said = _error_message(pages[0]) or any(m in text for text in texts for m in ERROR_MARKERS)
    status = pages[0].status_code
    refused = 400 <= status < 500 or said
    problems = [f"{p.status_code} for {form.name}" for p in pages if p.status_code >= 500]
    if refused and written:
        problems.append(f"refused, yet wrote {[e.event_type for e in written]}")
    if 400 <= status < 500 and not (said or _plain_refusal(pages[0], texts[0])):
        problems.append(f"{status} without a message")
    if not refused:
        problems += [f"accepted {n}={v!r}" for n, v in hostile.items() if not _allowed(form, n, v)]
        problems += _hidden_characters(written)
    problems += [f"unescaped {u!r}" for u in UNESCAPED for text in texts if u in text]
    return Verdict(status, refused, problems)


def _answer_and_after(client: Client, form: Form, hostile: Mapping[str, str]) -> list[Answer]:
    """The answer, and the page it redirects to when that can show the input: its messages,
    which the template escapes, so only for input shaped as HTML (and a valid form's answer)."""
    sent = {**form.fields, **hostile}
    url = form.url.format(path=quote(sent.pop("path", ""), safe="", errors="surrogatepass"))
    body = urlencode(sent, doseq=True, errors="surrogatepass")
    if form.method == "get":
        answer = client.get(f"{url}?{body}" if body else url)
    else:
        answer = client.post(url, body, content_type="application/x-www-form-urlencoded")
    shaped = not hostile or any("<" in value for value in hostile.values())
    if shaped and 300 <= answer.status_code < 400 and "Location" in answer:
        return [answer, client.get(urljoin(answer.wsgi_request.path, answer["Location"]))]
    return [answer]


def _error_message(response: Answer) -> bool:
    # A message added while answering (the shop's and the admin's post/redirect/get), whether
    # or not the page redirected to shows it.
    storage = getattr(response.wsgi_request, "_messages", None)
    queued = getattr(storage, "_queued_messages", [])
    return any(message.level >= messages.ERROR for message in queued)


def _text(response: Answer) -> str:
    if getattr(response, "streaming", False):
        return ""
    return response.content.decode("utf-8", errors="replace")


def _plain_refusal(response: Answer, text: str) -> bool:
    # A problem document, or Django's own 403/404/405 pages, which say what the status says.
    if response["Content-Type"] == "application/problem+json":
        return bool(response.json().get("detail"))
    return response.status_code in (403, 404, 405) and bool(html.unescape(text).strip())


def _allowed(form: Form, name: str, value: str) -> bool:
    rule = form.rules.get(name)
    # Judged as the server read it: bytes that are no UTF-8 (a lone surrogate's) arrive as
    # U+FFFD, the replacement character.
    received = value.encode("utf-8", "surrogatepass").decode("utf-8", "replace")
    return rule is None or rule(received)


def _hidden_characters(events: list[Event]) -> list[str]:
    found = []
    for event in events:
        fields = registry.personal_fields(event.event_type)
        payload = Opener().open_fields(event.payload, fields)
        for text in _strings(payload):
            if any(unicodedata.category(char).startswith("C") for char in text):
                found.append(f"{event.event_type} stores {text[:60]!r}")
    return found


def _strings(value: Any) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, Mapping):
        for item in value.values():
            yield from _strings(item)
    elif isinstance(value, list):
        for item in value:
            yield from _strings(item)


# --- rules a field's accepted values follow -----------------------------------------------


def whole_number(low: int, high: int) -> Rule:
    """A whole number from ``low`` to ``high``, as Django's IntegerField reads one (surrounding
    spaces, a sign, and decimal digits of any script, which int() reads)."""

    def rule(value: str) -> bool:
        try:
            number = int(value.strip())
        except ValueError:
            return False
        return low <= number <= high

    return rule


def one_of(*allowed: str, fold: Callable[[str], str] = str.strip) -> Rule:
    """One of ``allowed`` once ``fold`` has tidied it (by default: surrounding spaces)."""
    return lambda value: fold(value) in allowed


def plain_text(longest: int, *, breaks: bool = False, required: bool = False) -> Rule:
    """Text of at most ``longest`` characters (once spaces are tidied) with no control, format
    or invisible character; tabs and line breaks too when ``breaks`` (they are tidied into
    spaces); not blank when ``required``."""
    allowed = "\t\n\r" if breaks else ""

    def rule(value: str) -> bool:
        hidden = any(unicodedata.category(c).startswith("C") and c not in allowed for c in value)
        tidied = " ".join(value.split())
        return not hidden and len(tidied) <= longest and bool(tidied or not required)

    return rule
