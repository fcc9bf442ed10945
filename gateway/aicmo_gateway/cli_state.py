"""What every command of one ``aicmo`` invocation shares: the output and the connection."""

from __future__ import annotations

from dataclasses import dataclass, field

import typer

from aicmo_gateway.connection import Connection
from aicmo_gateway.output import Output


@dataclass
class CliState:
    """Built by the root callback from the global options."""

    output: Output
    address_flags: dict[str, str | None] = field(default_factory=dict)
    token_flag: str | None = None
    timeout_seconds: float = 10.0
    tls_flags: dict[str, str | None] = field(default_factory=dict)
    _connection: Connection | None = None

    @property
    def connection(self) -> Connection:
        if self._connection is None:
            self._connection = Connection.resolve(self.address_flags, self.token_flag,
                                                  timeout_seconds=self.timeout_seconds,
                                                  tls_flags=self.tls_flags)
        return self._connection

    def close(self) -> None:
        if self._connection is not None:
            self._connection.close()


def state_of(ctx: typer.Context) -> CliState:
    state = ctx.find_root().obj
    if not isinstance(state, CliState):  # a command run without the root callback
        state = CliState(Output())
        ctx.find_root().obj = state
    return state
