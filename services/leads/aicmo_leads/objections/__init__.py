"""The objection classifier: what a reply or a note says, and the words that decided it.

Deterministic rules over phrase lexicons, one lexicon per language (``lexicons``); anything
that implements ``Classifier`` (a statistical model, say) can take its place.
"""

from aicmo_leads.objections.rules import (
    Classification,
    Classifier,
    Intent,
    RulesClassifier,
)

__all__ = ["Classification", "Classifier", "Intent", "RulesClassifier"]
