"""The rules classifier: lexicon phrases over the reply's own words (quoted text removed),
negation-aware, the first intent in priority order with a match winning."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Protocol

from aicmo_leads.objections.intents import Intent
from aicmo_leads.objections.lexicons import LEXICONS, PRIORITY, Lexicon

RULES_VERSION = 1
DEFAULT_LANGUAGE = "en"
# Words (letters, digits, inner apostrophes and hyphens) and the punctuation that ends a
# clause; a negation never reaches across a clause.
_TOKEN = re.compile(r"[a-z0-9]+(?:['-][a-z0-9]+)*|[.!?;:,()\n]")
_WROTE = re.compile(r"^\s*on\b.{0,300}\bwrote:\s*$")
_HEADER = re.compile(r"^\s*(from|sent|to|subject):\s")
MAX_TEXT = 10_000


@dataclass(frozen=True)
class Classification:
    """An intent with the terms that decided it, the classifier and the language read."""

    intent: Intent
    matched_terms: tuple[str, ...]
    classifier: str
    language: str


class Classifier(Protocol):
    """Anything that classifies a reply or note (a better model may replace the rules)."""

    def classify(self, text: str, language: str = "") -> Classification: ...


def own_words(text: str, lexicon: Lexicon) -> str:
    """The reply without the message it quotes: ``>`` lines, and everything from an
    "On ... wrote:" line, a mail header block or a client's quote marker on."""
    kept = []
    for line in text[:MAX_TEXT].replace("\r\n", "\n").split("\n"):
        lowered = line.lower()
        if lowered.lstrip().startswith(">"):
            continue
        if _WROTE.match(lowered) or _HEADER.match(lowered) \
                or any(marker in lowered for marker in lexicon.quote_markers):
            break
        kept.append(lowered)
    return "\n".join(kept)


@dataclass(frozen=True)
class _Word:
    text: str
    clause: int


def _words(text: str) -> list[_Word]:
    words: list[_Word] = []
    clause = 0
    for token in _TOKEN.findall(text.replace("\u2019", "'").replace("\u2018", "'")):
        if token[0].isalnum():
            words.append(_Word(token, clause))
        else:
            clause += 1
    return words


class _Phrase:
    def __init__(self, text: str, negations: frozenset[str]) -> None:
        self.text = text
        self.tokens = tuple(text.split())
        # A phrase that is itself a negation ("not interested") is not negated again.
        self.negative = self.tokens[0] in negations

    def find(self, words: list[_Word], starts: dict[str, list[int]]) -> list[int]:
        """Where the phrase starts in ``words`` (within one clause); ``starts`` indexes the
        words by their text."""
        size = len(self.tokens)
        found = []
        for start in starts.get(self.tokens[0], ()):
            window = words[start:start + size]
            if len(window) < size:
                continue
            if window[0].clause != window[-1].clause:
                continue
            if all(want == "*" or want == word.text
                   for want, word in zip(self.tokens, window, strict=True)):
                found.append(start)
        return found


class RulesClassifier:
    """``Classifier`` over the lexicons of ``lexicons``: deterministic and explainable."""

    def __init__(self, lexicons: dict[str, Lexicon] | None = None) -> None:
        self._lexicons = lexicons or LEXICONS
        self._phrases = {
            language: {intent: [_Phrase(p, frozenset(lexicon.negations))
                                for p in lexicon.phrases.get(intent, ())]
                       for intent in PRIORITY}
            for language, lexicon in self._lexicons.items()}

    def name(self, language: str) -> str:
        return f"rules-{language}-{RULES_VERSION}"

    def classify(self, text: str, language: str = "") -> Classification:
        language = language if language in self._lexicons else DEFAULT_LANGUAGE
        lexicon = self._lexicons[language]
        words = _words(own_words(text, lexicon))
        negations = frozenset(lexicon.negations)
        starts: dict[str, list[int]] = {}
        for index, word in enumerate(words):
            starts.setdefault(word.text, []).append(index)
        matches: dict[Intent, list[str]] = {}
        for intent in PRIORITY:
            for phrase in self._phrases[language][intent]:
                for start in phrase.find(words, starts):
                    negator = (None if phrase.negative or intent not in lexicon.negatable
                               else _negator(words, start, negations, lexicon))
                    if negator is None:
                        _add(matches, intent, phrase.text)
                    elif intent in lexicon.negated_as:
                        _add(matches, lexicon.negated_as[intent], f"{negator} {phrase.text}")
        for intent in PRIORITY:
            if intent in matches:
                return Classification(intent, tuple(matches[intent]), self.name(language),
                                      language)
        return Classification(Intent.OTHER, (), self.name(language), language)


def _negator(words: list[_Word], start: int, negations: frozenset[str],
             lexicon: Lexicon) -> str | None:
    """The negation word shortly before ``start`` in the same clause, if any."""
    clause = words[start].clause
    for index in range(start - 1, max(-1, start - 1 - lexicon.negation_window), -1):
        if words[index].clause != clause:
            return None
        if words[index].text in negations:
            return words[index].text
    return None


def _add(matches: dict[Intent, list[str]], intent: Intent, term: str) -> None:
    terms = matches.setdefault(intent, [])
    if term not in terms:
        terms.append(term)
