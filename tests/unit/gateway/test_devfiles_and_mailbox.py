"""The local stack's files: secrets created once (0600), dev.env round trip, .eml storage."""

from __future__ import annotations

import stat

import pytest

from aicmo_gateway import devfiles
from aicmo_gateway.mailbox import EmlMailbox, file_stem


def test_secrets_are_created_once_private_and_kept(tmp_path):
    first = devfiles.load_or_create_secrets(tmp_path / "var")
    path = tmp_path / "var" / devfiles.SECRETS_FILE
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert len(first.token_secret) >= 32 and len(first.identity_hash_key) >= 32
    assert first.token_secret != first.identity_hash_key
    assert devfiles.load_or_create_secrets(tmp_path / "var") == first


def test_a_damaged_secrets_file_is_an_error_naming_it(tmp_path):
    path = tmp_path / devfiles.SECRETS_FILE
    path.write_text("{not json")
    with pytest.raises(ValueError, match="dev-secrets.json"):
        devfiles.read_secrets(path)


def test_env_file_round_trip_and_mode(tmp_path):
    path = tmp_path / "var" / "dev.env"
    devfiles.write_env_file(path, {"AICMO_VENTURE_ADDR": "127.0.0.1:1", "AICMO_TOKEN": "a=b"})
    assert devfiles.read_env_file(path) == {"AICMO_VENTURE_ADDR": "127.0.0.1:1",
                                            "AICMO_TOKEN": "a=b"}
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert devfiles.read_env_file(tmp_path / "missing.env") == {}


def test_message_file_is_named_after_a_sanitised_message_id(tmp_path):
    mailbox = EmlMailbox(tmp_path / "mail")
    raw = b"Message-ID: <send-1/../x@aicmo.local>\r\nSubject: hi\r\n\r\nbody\r\n"
    stored = mailbox.store(raw)
    assert stored.parent == tmp_path / "mail"
    assert stored.name == "send-1_.._x@aicmo.local.eml"
    assert stored.read_bytes() == raw
    again = mailbox.store(raw)  # the same Message-ID twice keeps both
    assert again != stored and again.exists() and stored.exists()


def test_message_without_id_gets_a_fresh_name():
    assert file_stem(b"Subject: no id\r\n\r\nbody").startswith("no-message-id-")
