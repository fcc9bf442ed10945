"""``python -m aicmo_leads serve|migrate``."""

from __future__ import annotations

import sys

from aicmo_common.entrypoint import run
from aicmo_leads.bootstrap import create_server, migrate
from aicmo_leads.config import LeadsConfig


def main() -> int:
    return run("leads", load_config=LeadsConfig.load, factory=create_server,
               migrate=migrate)


if __name__ == "__main__":
    sys.exit(main())
