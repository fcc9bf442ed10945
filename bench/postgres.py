"""Fresh PostgreSQL databases for one bench run, dropped afterwards.

The server is ``AICMO_BENCH_POSTGRES_URL`` (default ``postgresql://postgres@127.0.0.1:5432/
postgres``, the same server the test suite uses). Each service gets its own database, as in
production; when the server does not answer, the PostgreSQL lines are skipped with the reason.
"""

from __future__ import annotations

import os
import uuid

from sqlalchemy import create_engine, text
from sqlalchemy.engine import Engine

from aicmo_common.db import normalise_url

DEFAULT_URL = "postgresql://postgres@127.0.0.1:5432/postgres"


class PostgresDatabases:
    """``with PostgresDatabases() as pg``: ``pg.unreachable`` (a reason or None) and
    ``pg.create(label)`` -> the URL of a new empty database; all are dropped on exit."""

    def __init__(self, admin_url: str | None = None) -> None:
        self.admin_url = admin_url or os.environ.get("AICMO_BENCH_POSTGRES_URL", DEFAULT_URL)
        self.unreachable: str | None = None
        self._engine: Engine | None = None
        self._created: list[str] = []

    def __enter__(self) -> PostgresDatabases:
        try:
            self._engine = create_engine(normalise_url(self.admin_url),
                                         isolation_level="AUTOCOMMIT",
                                         connect_args={"connect_timeout": 3})
            with self._engine.connect() as connection:
                connection.execute(text("select 1"))
        except Exception as error:  # noqa: BLE001 - any failure means "not reachable"
            self.unreachable = (f"PostgreSQL not reachable at {self.admin_url} "
                                f"({type(error).__name__}); set AICMO_BENCH_POSTGRES_URL")
            if self._engine is not None:
                self._engine.dispose()
                self._engine = None
        return self

    def create(self, label: str) -> str:
        if self._engine is None:
            raise RuntimeError(self.unreachable or "PostgreSQL is not open")
        name = f"aicmo_bench_{label}_{uuid.uuid4().hex[:8]}"
        with self._engine.connect() as connection:
            connection.execute(text(f'CREATE DATABASE "{name}"'))
        self._created.append(name)
        return normalise_url(self.admin_url).set(database=name).render_as_string(
            hide_password=False)

    def __exit__(self, *exc) -> None:
        if self._engine is None:
            return
        with self._engine.connect() as connection:
            for name in self._created:
                connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        self._engine.dispose()
