"""Identifier normalisation: every accepted spelling of one address has one normal form."""

from __future__ import annotations

import pytest

from aicmo_leads.domain.identifiers import (
    Identifier,
    IdentifierError,
    IdentifierKind,
    IdentityKeys,
    identity_hash,
    normalise_email,
    normalise_linkedin_url,
    normalise_phone,
)


@pytest.mark.parametrize("raw, normal", [
    ("jane@example.com", "jane@example.com"),
    ("Jane.Doe@Example.COM", "jane.doe@example.com"),
    ("  padded@example.com  ", "padded@example.com"),
    ("user+tag@sub.example.co.uk", "user+tag@sub.example.co.uk"),
    ("José@Exämple.com", "josé@exämple.com"),
    ("a" * 64 + "@example.com", "a" * 64 + "@example.com"),
])
def test_emails_normalise(raw, normal):
    assert normalise_email(raw) == normal


@pytest.mark.parametrize("raw", [
    "plainaddress", "a@b", "a@localhost", "two@@example.com", "a b@example.com",
    '"quoted"@example.com', "Name <a@example.com>", "a" * 65 + "@example.com",
    "x@" + "b" * 250 + ".com", "a@example.com\x00", "",
])
def test_bad_emails_are_refused(raw):
    with pytest.raises(IdentifierError):
        normalise_email(raw)


@pytest.mark.parametrize("raw, region, normal", [
    ("+1 415-555-2671", "US", "+14155552671"),
    ("(415) 555-2671", "US", "+14155552671"),
    ("415.555.2671", "US", "+14155552671"),
    ("020 7946 0958", "GB", "+442079460958"),
    ("+44 (0)20 7946 0958", "US", "+442079460958"),
    ("030 901820", "DE", "+4930901820"),
    ("+49 30 901820", "US", "+4930901820"),
    ("06 12 34 56 78", "FR", "+33612345678"),
    ("+91 98765 43210", "US", "+919876543210"),
    ("03-1234-5678", "JP", "+81312345678"),
    ("0412 345 678", "AU", "+61412345678"),
])
def test_phones_normalise_to_e164(raw, region, normal):
    assert normalise_phone(raw, region) == normal


@pytest.mark.parametrize("raw", ["12", "+1 555", "1-800-FLOWERS", "+999 123456789", "abc",
                                 "+1 415 555 2671 ext 9", "9" * 40, ""])
def test_bad_phones_are_refused(raw):
    with pytest.raises(IdentifierError):
        normalise_phone(raw, "US")


@pytest.mark.parametrize("raw", [
    "https://www.linkedin.com/in/jane-doe",
    "https://www.linkedin.com/in/jane-doe/",
    "http://linkedin.com/in/Jane-Doe",
    "www.linkedin.com/in/jane-doe",
    "linkedin.com/in/JANE-DOE/?originalSubdomain=uk",
    "https://uk.linkedin.com/in/jane-doe#about",
    "https://de.linkedin.com/in/jane-doe/en",
    "https://m.linkedin.com/in/jane-doe",
    "https://www.linkedin.com/mwlite/in/jane-doe",
    "HTTPS://WWW.LINKEDIN.COM/in/jane-doe",
    "https://www.linkedin.com/in/jane%2Ddoe",
])
def test_linkedin_urls_canonicalise(raw):
    assert normalise_linkedin_url(raw) == "https://www.linkedin.com/in/jane-doe"


def test_linkedin_non_ascii_slugs_are_percent_encoded_in_one_form():
    assert normalise_linkedin_url("linkedin.com/in/Jörg-Müller") == normalise_linkedin_url(
        "https://www.linkedin.com/in/j%C3%B6rg-m%C3%BCller/") == (
        "https://www.linkedin.com/in/j%C3%B6rg-m%C3%BCller")


@pytest.mark.parametrize("raw", [
    "https://www.linkedin.com/company/acme", "https://example.com/in/jane-doe",
    "https://linkedin.com.evil.test/in/jane-doe", "ftp://www.linkedin.com/in/jane-doe",
    "https://www.linkedin.com/in/", "https://www.linkedin.com/in/ab",
    "https://www.linkedin.com/in/jane doe", "https://user@www.linkedin.com/in/jane-doe",
    "https://www.linkedin.com/in/" + "x" * 101, "jane-doe",
])
def test_bad_linkedin_urls_are_refused(raw):
    with pytest.raises(IdentifierError):
        normalise_linkedin_url(raw)


def test_keyed_hashes_depend_on_the_key_and_the_kind():
    one = IdentityKeys("k" * 32)
    other = IdentityKeys("j" * 32)
    email = Identifier(IdentifierKind.EMAIL, "a@example.com")
    assert one.identifier_hmac(email) == one.identifier_hmac(email)
    assert one.identifier_hmac(email) != other.identifier_hmac(email)
    assert one.identifier_hmac(email) != one.identifier_hmac(
        Identifier(IdentifierKind.LINKEDIN, "a@example.com"))
    with pytest.raises(ValueError):
        IdentityKeys("short")


def test_identity_hash_is_sha256_of_the_normal_forms():
    import hashlib

    assert identity_hash("a@example.com", "+14155552671", None) == hashlib.sha256(
        b"a@example.com|+14155552671|").hexdigest()


def test_control_character_search_matches_unicode_categories_for_every_code_point():
    import sys
    import unicodedata

    from aicmo_leads.domain.identifiers import has_control_characters

    for code in range(sys.maxunicode + 1):
        char = chr(code)
        category = unicodedata.category(char)
        control = category in ("Cc", "Cs")
        assert has_control_characters(f"a{char}b") is control, hex(code)
        assert has_control_characters(char, allow_newlines=True) is (
            control and char not in "\n\r\t"), hex(code)


def test_normalisation_memory_remembers_results_and_refusals_within_its_bound():
    from aicmo_leads.domain.identifiers import NormalisationMemory

    calls = []

    def parse(raw: str) -> str:
        calls.append(raw)
        if raw.startswith("bad"):
            raise IdentifierError(f"refused {len(raw)}")
        return raw.upper()

    memory = NormalisationMemory(parse, 2)
    assert [memory("a"), memory("a")] == ["A", "A"]
    for _ in range(2):
        with pytest.raises(IdentifierError, match="refused 4"):
            memory("bad1")
    assert calls == ["a", "bad1"]
    assert memory("b") == "B"  # holds two: "a", the least recently used, is forgotten
    with pytest.raises(IdentifierError):
        memory("bad1")
    assert calls == ["a", "bad1", "b"]
    assert memory("a") == "A"
    assert calls == ["a", "bad1", "b", "a"]
    memory.clear()
    assert memory("b") == "B"
    assert calls == ["a", "bad1", "b", "a", "b"]


def test_remembered_normalisations_answer_as_the_parsers_do_and_can_be_forgotten():
    from aicmo_leads.domain.identifiers import forget_normalisations

    for _ in range(2):
        assert normalise_email("Jane.Doe@Example.COM") == "jane.doe@example.com"
        assert normalise_phone("(415) 555-2671", "US") == "+14155552671"
        assert normalise_phone("020 7946 0958", "GB") == "+442079460958"
        with pytest.raises(IdentifierError) as first:
            normalise_email("no-at-sign")
        with pytest.raises(IdentifierError) as again:
            normalise_email("no-at-sign")
        assert str(first.value) == str(again.value)
        forget_normalisations()
