"""The command line every service shares: ``python -m aicmo_<service> serve|migrate``."""

from __future__ import annotations

import argparse
import asyncio
import sys
from collections.abc import Callable, Sequence

from aicmo_common.config import ConfigError, ServiceConfig
from aicmo_common.server import AicmoServer, serve


def run(service: str, *, load_config: Callable[[], ServiceConfig],
        factory: Callable[[ServiceConfig], tuple[AicmoServer, int]],
        migrate: Callable[[ServiceConfig], None],
        argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog=f"aicmo-{service}",
                                     description=f"The aicmo {service} service.")
    parser.add_argument("command", choices=("serve", "migrate"),
                        help="serve: migrate, then run until SIGTERM; migrate: only migrate")
    args = parser.parse_args(argv)
    try:
        config = load_config()
    except ConfigError as error:
        print(f"aicmo-{service}: configuration error: {error}", file=sys.stderr)
        return 2
    if args.command == "migrate":
        migrate(config)
        print(f"aicmo-{service}: database is at the newest revision", file=sys.stderr)
        return 0
    asyncio.run(serve(config, factory))
    return 0
