"""The files a local stack keeps under ``var/``: its secrets and the addresses it serves on.

``var/dev-secrets.json`` is created once and kept, so tokens issued yesterday still verify
today and the leads' identity hashes stay stable across restarts. ``var/dev.env`` is rewritten
on every ``aicmo dev up`` and is what the CLI falls back to when nothing else names a service.
"""

from __future__ import annotations

import json
import os
import secrets
from dataclasses import dataclass
from pathlib import Path

SECRETS_FILE = "dev-secrets.json"
ENV_FILE = "dev.env"


@dataclass(frozen=True)
class DevSecrets:
    """The shared token-signing secret and the leads' identity hash key of a local stack."""

    token_secret: str
    identity_hash_key: str


def load_or_create_secrets(var: Path) -> DevSecrets:
    """Reads ``var/dev-secrets.json``, creating it (mode 0600) on first use."""
    path = var / SECRETS_FILE
    var.mkdir(parents=True, exist_ok=True)
    if not path.exists():
        generated = {"token_secret": secrets.token_urlsafe(48),
                     "identity_hash_key": secrets.token_urlsafe(48)}
        try:
            # O_EXCL: two `dev up` starting at once must not write two different secrets.
            descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            pass
        else:
            with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
                json.dump(generated, handle, indent=2)
                handle.write("\n")
    return read_secrets(path)


def read_secrets(path: Path) -> DevSecrets:
    """Reads an existing secrets file; a damaged one is an error naming the file."""
    try:
        content = json.loads(path.read_text(encoding="utf-8"))
        found = DevSecrets(str(content["token_secret"]), str(content["identity_hash_key"]))
    except (OSError, ValueError, KeyError, TypeError) as error:
        raise ValueError(f"{path} is not a readable aicmo secrets file ({error})") from None
    if len(found.token_secret) < 32 or len(found.identity_hash_key) < 32:
        raise ValueError(f"{path} holds secrets shorter than 32 characters")
    return found


def write_env_file(path: Path, values: dict[str, str]) -> None:
    """Writes ``KEY=value`` lines atomically (mode 0600: it holds an admin token)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(path.name + ".tmp")
    descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
        handle.write("# Written by `aicmo dev up`; the aicmo CLI reads it when run here.\n")
        for key, value in values.items():
            handle.write(f"{key}={value}\n")
    os.replace(temporary, path)


def read_env_file(path: Path) -> dict[str, str]:
    """Parses ``KEY=value`` lines, ignoring blanks and comments; a missing file is empty."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return {}
    values: dict[str, str] = {}
    for line in text.splitlines():
        stripped = line.strip()
        if not stripped or stripped.startswith("#") or "=" not in stripped:
            continue
        key, _, value = stripped.partition("=")
        values[key.strip()] = value.strip()
    return values
