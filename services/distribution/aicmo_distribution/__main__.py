"""``python -m aicmo_distribution serve|migrate``."""

import sys

from aicmo_common.entrypoint import run
from aicmo_distribution import bootstrap, config


def main() -> int:
    return run("distribution", load_config=config.load,
               factory=lambda cfg: bootstrap.create_server(cfg),
               migrate=bootstrap.migrate)


if __name__ == "__main__":
    sys.exit(main())
