"""The signed return path: it names its send, verifies in any case, and a forged or tampered
address is refused with its own error."""

from __future__ import annotations

import uuid

import pytest
from hypothesis import given
from hypothesis import strategies as st

from aicmo_common import verp

SECRET = "s" * 40
DOMAIN = "bounces.example.com"


def test_a_return_path_names_its_send_and_role():
    send_id = str(uuid.uuid4())
    bounce = verp.return_path(send_id, secret=SECRET, domain=DOMAIN)
    assert bounce.startswith(f"bounce+{send_id}.") and bounce.endswith(f"@{DOMAIN}")
    assert verp.parse(bounce, secret=SECRET, domain=DOMAIN) == ("bounce", send_id)
    reply = verp.reply_address(send_id, secret=SECRET, domain=DOMAIN)
    assert verp.parse(reply, secret=SECRET) == verp.ReturnPath("reply", send_id)
    unsubscribe = verp.unsubscribe_address(send_id, secret=SECRET, domain=DOMAIN)
    prefix, parsed = verp.parse(f"<{unsubscribe}>", secret=SECRET)
    assert (prefix, parsed) == ("unsubscribe", send_id)


def test_every_address_fits_the_smtp_local_part_limit():
    send_id = str(uuid.uuid4())
    for prefix in verp.PREFIXES:
        local = verp.address(send_id, secret=SECRET, domain=DOMAIN, prefix=prefix)
        assert len(local.split("@")[0]) <= verp.MAX_LOCAL_PART
    with pytest.raises(ValueError, match="too long"):
        verp.return_path("a" * 60, secret=SECRET, domain=DOMAIN)


def test_an_mta_that_changes_the_case_of_the_address_does_not_break_it():
    send_id = str(uuid.uuid4())
    bounce = verp.return_path(send_id, secret=SECRET, domain=DOMAIN)
    assert verp.parse(bounce.upper(), secret=SECRET, domain=DOMAIN) == ("bounce", send_id)


def test_a_forged_signature_is_refused_as_forged():
    send_id = str(uuid.uuid4())
    forged = f"bounce+{send_id}.{'a' * verp.SIGNATURE_LENGTH}@{DOMAIN}"
    with pytest.raises(verp.ForgedReturnPath) as raised:
        verp.parse(forged, secret=SECRET)
    assert raised.value.reason == "forged_return_path"


def test_tampering_with_any_part_breaks_the_signature():
    send_id = str(uuid.uuid4())
    genuine = verp.return_path(send_id, secret=SECRET, domain=DOMAIN)
    local, _, domain = genuine.partition("@")
    other_send = local.replace(send_id, str(uuid.uuid4()))
    other_role = "unsubscribe" + local[len("bounce"):]
    for tampered in (other_send, other_role):
        with pytest.raises(verp.ForgedReturnPath):
            verp.parse(f"{tampered}@{domain}", secret=SECRET)
    with pytest.raises(verp.ForgedReturnPath):
        verp.parse(genuine, secret="another secret entirely, just as long")


def test_addresses_that_are_not_ours_are_invalid_but_not_forged():
    send_id = str(uuid.uuid4())
    genuine = verp.return_path(send_id, secret=SECRET, domain=DOMAIN)
    cases = {
        "postmaster@bounces.example.com": "not_a_return_path",
        "no-at-sign": "malformed_address",
        genuine.replace("bounce+", "other+"): "unknown_prefix",
    }
    for value, reason in cases.items():
        with pytest.raises(verp.InvalidReturnPath) as raised:
            verp.parse(value, secret=SECRET)
        assert not isinstance(raised.value, verp.ForgedReturnPath)
        assert raised.value.reason == reason
    with pytest.raises(verp.InvalidReturnPath) as raised:
        verp.parse(genuine, secret=SECRET, domain="elsewhere.example")
    assert raised.value.reason == "wrong_domain"


def test_bad_inputs_to_the_builder_are_refused():
    with pytest.raises(ValueError):
        verp.return_path("has.dot", secret=SECRET, domain=DOMAIN)
    with pytest.raises(ValueError):
        verp.return_path("x", secret="", domain=DOMAIN)
    with pytest.raises(ValueError):
        verp.return_path("x", secret=SECRET, domain="a@b")
    with pytest.raises(ValueError):
        verp.address("x", secret=SECRET, domain=DOMAIN, prefix="other")


@given(st.text(max_size=200))
def test_parse_only_ever_answers_or_raises_invalid(value):
    try:
        prefix, send_id = verp.parse(value, secret=SECRET)
    except verp.InvalidReturnPath:
        return
    # Anything that verified must be exactly what the builder makes.
    assert verp.address(send_id, secret=SECRET, domain=value.rpartition("@")[2].strip(" <>"),
                        prefix=prefix).lower() == value.strip().strip("<>").strip().lower()
