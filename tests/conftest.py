"""Fixtures every test layer shares: tokens, databases (SQLite and PostgreSQL), channels."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from aicmo_common.auth import Role, TokenSigner

TOKEN_SECRET = "test-secret-" + "x" * 40
POSTGRES_ADMIN_URL = os.environ.get("AICMO_TEST_POSTGRES_URL",
                                    "postgresql://postgres@127.0.0.1:5432/postgres")


@pytest.fixture
def signer() -> TokenSigner:
    return TokenSigner(TOKEN_SECRET)


@pytest.fixture
def admin_token(signer: TokenSigner) -> str:
    return signer.issue("admin@test", Role.ADMIN)


def bearer(token: str) -> tuple[tuple[str, str], ...]:
    """Call metadata carrying ``token``."""
    return (("authorization", f"Bearer {token}"),)


_postgres_reason: str | None = None
_postgres_checked = False


def postgres_unreachable_reason() -> str | None:
    """Why PostgreSQL tests cannot run here, or None when a server answers."""
    global _postgres_checked, _postgres_reason
    if not _postgres_checked:
        _postgres_checked = True
        try:
            engine = create_engine(_psycopg(POSTGRES_ADMIN_URL), connect_args={
                "connect_timeout": 3})
            with engine.connect() as connection:
                connection.execute(text("select 1"))
            engine.dispose()
        except Exception as error:  # noqa: BLE001 - any failure means "not reachable"
            _postgres_reason = (f"PostgreSQL not reachable at {POSTGRES_ADMIN_URL} "
                                f"({type(error).__name__}); set AICMO_TEST_POSTGRES_URL")
    return _postgres_reason


def _psycopg(url: str) -> str:
    parsed = make_url(url)
    if parsed.drivername in ("postgresql", "postgres"):
        parsed = parsed.set(drivername="postgresql+psycopg")
    return parsed.render_as_string(hide_password=False)


def _fresh_postgres_database() -> Iterator[str]:
    reason = postgres_unreachable_reason()
    if reason:
        pytest.skip(reason)
    name = f"aicmo_test_{uuid.uuid4().hex[:12]}"
    admin = create_engine(_psycopg(POSTGRES_ADMIN_URL), isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    url = make_url(_psycopg(POSTGRES_ADMIN_URL)).set(database=name)
    try:
        yield url.render_as_string(hide_password=False)
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def database_url(request, tmp_path) -> Iterator[str]:
    """A fresh, empty database: a SQLite file, then a PostgreSQL database dropped after."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'test.db'}"
    else:
        yield from _fresh_postgres_database()


@pytest.fixture
def sqlite_url(tmp_path) -> str:
    return f"sqlite:///{tmp_path / 'test.db'}"
