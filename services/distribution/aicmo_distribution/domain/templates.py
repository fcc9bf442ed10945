"""Message templates: checked when saved, rendered in a sandbox when sent.

Templates are Jinja2 rendered by the sandboxed environment (no attribute access to Python
internals, no imports) with StrictUndefined, so a typo can never render as an empty string.
Every variable a template refers to must be one the send path provides; an unknown one is
refused at save time by walking the parsed template, not discovered at send time.
"""

from __future__ import annotations

import datetime as dt
import functools
import html
from collections.abc import Mapping
from dataclasses import dataclass, field

from jinja2 import StrictUndefined, TemplateSyntaxError, nodes
from jinja2.exceptions import SecurityError, TemplateError
from jinja2.sandbox import ImmutableSandboxedEnvironment

from aicmo_distribution.domain.sends import CHANNELS

LEAD_FIELDS = ("lead_id", "first_name", "name", "company", "title", "industry", "company_size",
               "email", "phone", "linkedin_url", "attributes")
VENTURE_FIELDS = ("id", "name", "from_name", "from_address", "postal_address")
CAMPAIGN_FIELDS = ("id", "step")
OBJECTS: Mapping[str, tuple[str, ...]] = {
    "lead": LEAD_FIELDS, "venture": VENTURE_FIELDS, "campaign": CAMPAIGN_FIELDS}
SCALARS = ("unsubscribe_url", "postal_address")

MAX_NAME = 200
MAX_SUBJECT = 998
MAX_TEXT = 100_000
MAX_HTML = 200_000


class TemplateProblem(ValueError):
    """A template that cannot be saved or rendered; ``field`` names the part at fault."""

    def __init__(self, field_name: str, message: str, *, unknown: bool = False) -> None:
        super().__init__(message)
        self.field = field_name
        self.unknown = unknown


@dataclass(frozen=True)
class MessageContent:
    """Subject and bodies, as written (with variables) or as rendered."""

    subject: str = ""
    body_text: str = ""
    body_html: str = ""


@dataclass(frozen=True)
class Template:
    """A saved message template of a venture, for one channel."""

    id: str
    venture_id: str
    name: str
    channel: str
    message: MessageContent
    # The variables the message uses (checked when it was saved).
    variables: tuple[str, ...]
    revision: int
    request_id: str | None
    request_hash: str | None
    created_at: dt.datetime
    updated_at: dt.datetime
    # Held back for its complaint or unsubscribe rate (feedback.holds): when, and why.
    held_at: dt.datetime | None = None
    hold_reason: str = ""

    @property
    def hold(self) -> str:
        """Why the template is held back from sends ("" when it is not)."""
        return (self.hold_reason or "held") if self.held_at is not None else ""


class _Attributes(dict):
    """Free lead attributes: a missing key renders empty (attributes vary per lead)."""

    def __missing__(self, key):
        return ""


@dataclass(frozen=True)
class RenderContext:
    """Everything a template may refer to."""

    lead: Mapping[str, object]
    venture: Mapping[str, object]
    campaign: Mapping[str, object]
    unsubscribe_url: str = ""
    postal_address: str = ""
    extra: Mapping[str, object] = field(default_factory=dict)

    def as_variables(self) -> dict[str, object]:
        lead = {name: self.lead.get(name, "") for name in LEAD_FIELDS}
        lead["attributes"] = _Attributes(self.lead.get("attributes") or {})
        return {
            "lead": lead,
            "venture": {name: self.venture.get(name, "") for name in VENTURE_FIELDS},
            "campaign": {name: self.campaign.get(name, "") for name in CAMPAIGN_FIELDS},
            "unsubscribe_url": self.unsubscribe_url,
            "postal_address": self.postal_address,
        }


_TEXT_ENV = ImmutableSandboxedEnvironment(undefined=StrictUndefined, autoescape=False,
                                          keep_trailing_newline=True)
_HTML_ENV = ImmutableSandboxedEnvironment(undefined=StrictUndefined, autoescape=True,
                                          keep_trailing_newline=True)


# Compiling a template costs more than rendering it, and every send of a campaign renders the
# same few sources. Keyed by the source text itself, so an edited template (a new revision has
# new text) can never be served from an old entry; bounded so odd one-off messages age out.
_CACHE_SIZE = 512


@functools.lru_cache(maxsize=_CACHE_SIZE)
def _compiled(html_part: bool, source: str):
    return (_HTML_ENV if html_part else _TEXT_ENV).from_string(source)


@functools.lru_cache(maxsize=_CACHE_SIZE)
def _analysed(content: MessageContent, channel: str) -> tuple[str, ...]:
    return tuple(_analyse(content, channel=channel))


def _references(tree: nodes.Template) -> tuple[set[str], set[str]]:
    """(variables used, unknown ones) found in a parsed template."""
    used: set[str] = set()
    unknown: set[str] = set()
    assigned = {n.name for n in tree.find_all(nodes.Name) if n.ctx in ("store", "param")}
    for node in tree.find_all((nodes.Getattr, nodes.Getitem)):
        base = node.node
        if not isinstance(base, nodes.Name) or base.name not in OBJECTS or base.name in assigned:
            continue
        if isinstance(node, nodes.Getattr):
            attribute = node.attr
        elif isinstance(node.arg, nodes.Const) and isinstance(node.arg.value, str):
            attribute = node.arg.value
        else:
            unknown.add(f"{base.name}[...]")
            continue
        name = f"{base.name}.{attribute}"
        (used if attribute in OBJECTS[base.name] else unknown).add(name)
    for node in tree.find_all(nodes.Name):
        if node.ctx != "load" or node.name in assigned:
            continue
        if node.name in SCALARS:
            used.add(node.name)
        elif node.name not in OBJECTS:
            unknown.add(node.name)
    return used, unknown


def analyse(content: MessageContent, *, channel: str) -> list[str]:
    """Checks a template before it is saved; returns the variables it uses, sorted.

    Raises TemplateProblem for bad syntax, unknown variables, missing or oversized parts.
    """
    # lru_cache does not keep exceptions, so a bad template is checked afresh every time.
    return list(_analysed(content, channel))


def _analyse(content: MessageContent, *, channel: str) -> list[str]:
    if channel not in CHANNELS:
        raise TemplateProblem("channel", "must be EMAIL, LINKEDIN, SMS or WEBHOOK")
    if not content.body_text.strip():
        raise TemplateProblem("message.body_text", "must not be empty")
    limits = (("message.subject", content.subject, MAX_SUBJECT),
              ("message.body_text", content.body_text, MAX_TEXT),
              ("message.body_html", content.body_html, MAX_HTML))
    used: set[str] = set()
    for name, source, limit in limits:
        if len(source) > limit:
            raise TemplateProblem(name, f"must be at most {limit} characters")
        env = _HTML_ENV if name.endswith("html") else _TEXT_ENV
        try:
            tree = env.parse(source)
        except TemplateSyntaxError as error:
            raise TemplateProblem(name, f"syntax error on line {error.lineno}: {error.message}"
                                  ) from None
        found, unknown = _references(tree)
        if unknown:
            raise TemplateProblem(name, "unknown variables: " + ", ".join(sorted(unknown)),
                                  unknown=True)
        used |= found
    return sorted(used)


def render(content: MessageContent, context: RenderContext) -> MessageContent:
    """Renders subject and bodies in the sandbox. Raises TemplateProblem on any failure."""
    variables = context.as_variables()
    parts = {}
    for name, source in (("subject", content.subject), ("body_text", content.body_text),
                         ("body_html", content.body_html)):
        if not source:
            parts[name] = ""
            continue
        try:
            parts[name] = _compiled(name == "body_html", source).render(variables)
        except (TemplateError, SecurityError) as error:
            raise TemplateProblem(f"message.{name}", f"cannot be rendered: {error}") from None
    subject = " ".join(parts["subject"].split())  # a header is one line
    if len(subject) > MAX_SUBJECT:
        raise TemplateProblem("message.subject", "is too long once rendered")
    return MessageContent(subject, parts["body_text"], parts["body_html"])


def with_footer(rendered: MessageContent, *, unsubscribe_url: str, postal_address: str
                ) -> MessageContent:
    """Adds the footer every email must carry: the unsubscribe link and the sender's postal
    address. Always added, so a template cannot leave them out."""
    text_lines = ["", "--"]
    if postal_address:
        text_lines.append(postal_address)
    if unsubscribe_url:
        text_lines.append(f"Unsubscribe: {unsubscribe_url}")
    body_text = rendered.body_text.rstrip("\n") + "\n" + "\n".join(text_lines) + "\n"
    body_html = rendered.body_html
    if body_html:
        footer = ['<hr><p style="font-size:small">']
        if postal_address:
            footer.append(html.escape(postal_address).replace("\n", "<br>"))
        if unsubscribe_url:
            footer.append(f'<br><a href="{html.escape(unsubscribe_url, quote=True)}">'
                          "Unsubscribe</a>")
        footer.append("</p>")
        closing = body_html.lower().rfind("</body>")
        block = "".join(footer)
        body_html = (body_html[:closing] + block + body_html[closing:] if closing >= 0
                     else body_html + block)
    return MessageContent(rendered.subject, body_text, body_html)


def render_message(content: MessageContent, *, channel: str, lead: Mapping[str, object],
                   campaign_id: str, step: int, venture_id: str, venture_name: str, sender,
                   unsubscribe_url: str) -> MessageContent:
    """Renders content as it is sent (an email gets its footer). ``sender`` is the venture's
    sender identity (``from_name``, ``from_address``, ``postal_address``); one message uses
    one unsubscribe link (header, body, footer), since a link carries its issue time."""
    context = RenderContext(
        lead=lead,
        venture={"id": venture_id, "name": venture_name, "from_name": sender.from_name,
                 "from_address": sender.from_address, "postal_address": sender.postal_address},
        campaign={"id": campaign_id, "step": step},
        unsubscribe_url=unsubscribe_url, postal_address=sender.postal_address)
    rendered = render(content, context)
    if channel == "EMAIL":
        rendered = with_footer(rendered, unsubscribe_url=unsubscribe_url,
                               postal_address=sender.postal_address)
    return rendered
