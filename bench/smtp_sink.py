"""A local SMTP server that only counts what it accepts, in its own process, on port 0.

It is the far end of the full send path: the distribution service delivers to it over real
SMTP (aiosmtpd speaks the protocol), and the bench reads the count to check that every SENT
job reached a mailbox once. It keeps no message, so it costs the machine as little as a mail
server can, and it runs in its own process so it never competes with the load generator's
event loop.
"""

from __future__ import annotations

import asyncio
import logging
import multiprocessing


class _CountingHandler:
    def __init__(self, accepted) -> None:
        self._accepted = accepted

    async def handle_DATA(self, server, session, envelope) -> str:
        with self._accepted.get_lock():
            self._accepted.value += 1
        return "250 OK"


def _serve(accepted, port_queue) -> None:
    from aiosmtpd.smtp import SMTP

    # aiosmtpd logs every connection at INFO; at a few thousand messages a second that is the
    # sink's main cost.
    logging.getLogger("mail.log").setLevel(logging.WARNING)

    async def main() -> None:
        handler = _CountingHandler(accepted)
        loop = asyncio.get_running_loop()
        server = await loop.create_server(
            lambda: SMTP(handler, hostname="bench-smtp", data_size_limit=1 << 20),
            host="127.0.0.1", port=0)
        port_queue.put(server.sockets[0].getsockname()[1])
        await asyncio.Event().wait()

    asyncio.run(main())


class SmtpSink:
    """``with SmtpSink() as sink``: ``sink.port`` to deliver to, ``sink.accepted`` so far."""

    def __init__(self) -> None:
        self._context = multiprocessing.get_context("spawn")
        self._accepted = self._context.Value("q", 0)
        self._process: multiprocessing.Process | None = None
        self.port = 0

    def __enter__(self) -> SmtpSink:
        queue = self._context.Queue()
        self._process = self._context.Process(target=_serve, args=(self._accepted, queue),
                                              daemon=True, name="bench-smtp")
        self._process.start()
        self.port = queue.get(timeout=60)
        return self

    def __exit__(self, *exc) -> None:
        if self._process is not None:
            self._process.kill()
            self._process.join()

    @property
    def accepted(self) -> int:
        return int(self._accepted.value)

    @property
    def pid(self) -> int:
        if self._process is None or self._process.pid is None:
            raise RuntimeError("the SMTP sink is not running")
        return self._process.pid

