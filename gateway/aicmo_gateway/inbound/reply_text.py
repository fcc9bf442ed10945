"""Only what the person wrote in a reply: the quoted history and the signature removed.

Mail clients quote in a handful of ways: ``>`` lines, an attribution line ("On <date>, <name>
wrote:", possibly broken over two lines), Outlook's "-----Original Message-----" or a line of
underscores followed by a "From:" block. Everything from the first of these on is history; a
signature starts at the RFC 3676 delimiter "-- ".
"""

from __future__ import annotations

import html
import re

from aicmo_gateway.inbound.events import MAX_REPLY_TEXT

_ATTRIBUTION = re.compile(
    r"^\s*(on\b.{0,400}\bwrote:|le\b.{0,400}\ba écrit\s?:|am\b.{0,400}\bschrieb.{0,100}:|"
    r"el\b.{0,400}\bescribió:|op\b.{0,400}\bschreef.{0,100}:)\s*$",
    re.IGNORECASE)
_HISTORY = re.compile(
    r"^\s*(-{2,}\s*(original message|forwarded message|ursprüngliche nachricht|"
    r"message d'origine)\s*-{2,}|_{10,}|begin forwarded message:)\s*$", re.IGNORECASE)
_OUTLOOK_FROM = re.compile(r"^\s*\**(from|von|de)\s*:\**\s", re.IGNORECASE)
_OUTLOOK_NEXT = re.compile(r"^\s*\**(sent|date|gesendet|envoyé|to|subject)\s*:", re.IGNORECASE)
_TAG = re.compile(r"<[^>]{0,2000}>")
_BLOCK_END = re.compile(r"</(p|div|br|li|tr|h\d)\s*>|<br\s*/?>", re.IGNORECASE)
_DROPPED = re.compile(r"<(script|style|head)\b.*?</\1\s*>", re.IGNORECASE | re.DOTALL)
_QUOTED_HTML = re.compile(r"<blockquote\b.*?</blockquote\s*>", re.IGNORECASE | re.DOTALL)


def html_to_text(markup: str) -> str:
    """Readable text of an HTML body, quoted blocks dropped (enough to classify a reply)."""
    markup = _DROPPED.sub(" ", markup[:MAX_REPLY_TEXT * 20])
    markup = _QUOTED_HTML.sub("\n", markup)
    markup = _BLOCK_END.sub("\n", markup)
    text = html.unescape(_TAG.sub(" ", markup))
    return "\n".join(" ".join(line.split()) for line in text.splitlines())


def new_text(body: str, limit: int = MAX_REPLY_TEXT) -> str:
    """The new text of a reply body, at most ``limit`` characters."""
    lines = body.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    kept: list[str] = []
    for index, line in enumerate(lines):
        stripped = line.rstrip()
        if stripped == "--":  # the signature delimiter "-- ", trailing space stripped
            break
        if _HISTORY.match(stripped):
            break
        joined = stripped
        if index + 1 < len(lines) and stripped.lower().lstrip().startswith(
                ("on ", "le ", "am ", "el ", "op ")):
            joined = f"{stripped} {lines[index + 1].strip()}"
        if _ATTRIBUTION.match(stripped) or _ATTRIBUTION.match(joined):
            break
        if _OUTLOOK_FROM.match(stripped) and any(
                _OUTLOOK_NEXT.match(following) for following in lines[index + 1:index + 4]):
            break
        if stripped.lstrip().startswith(">"):
            continue
        kept.append(stripped)
    text = "\n".join(kept).strip()
    text = re.sub(r"\n{3,}", "\n\n", text)
    return text[:limit]
