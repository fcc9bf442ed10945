"""``python -m aicmo_venture serve|migrate``."""

from __future__ import annotations

import sys

from aicmo_common.entrypoint import run
from aicmo_venture.bootstrap import create_server, migrate
from aicmo_venture.config import SERVICE, load_config


def main() -> int:
    return run(SERVICE, load_config=load_config, factory=create_server, migrate=migrate)


if __name__ == "__main__":
    sys.exit(main())
