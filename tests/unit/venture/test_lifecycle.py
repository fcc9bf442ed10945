"""The campaign status machine, pair by pair."""

from __future__ import annotations

import itertools

import pytest

from aicmo_venture.domain.errors import InvalidTransition
from aicmo_venture.domain.lifecycle import Verb, allowed_pairs, next_status, verb_for
from aicmo_venture.domain.model import CampaignStatus as S

EXPECTED = {(S.DRAFT, S.RUNNING), (S.RUNNING, S.PAUSED), (S.PAUSED, S.RUNNING),
            (S.RUNNING, S.STOPPED), (S.PAUSED, S.STOPPED), (S.RUNNING, S.COMPLETED)}


def test_the_allowed_pairs_are_exactly_the_documented_ones():
    assert allowed_pairs() == EXPECTED


@pytest.mark.parametrize(("source", "target"), list(itertools.product(S, S)))
def test_every_pair_is_reachable_by_one_verb_or_refused(source, target):
    verb = verb_for(source, target)
    if (source, target) in EXPECTED:
        assert verb is not None and next_status(source, verb) is target
    else:
        assert verb is None
        for verb in Verb:
            try:
                reached = next_status(source, verb)
            except InvalidTransition as refusal:
                assert refusal.current == source.name
                continue
            assert reached is not target


@pytest.mark.parametrize("final", [S.STOPPED, S.COMPLETED])
def test_final_statuses_refuse_every_verb_naming_both_states(final):
    for verb in Verb:
        with pytest.raises(InvalidTransition) as refusal:
            next_status(final, verb)
        assert final.name in str(refusal.value)
        assert refusal.value.requested in str(refusal.value)
