"""``python -m aicmo_audit serve|migrate``."""

from __future__ import annotations

import sys

from aicmo_audit.bootstrap import create_server, migrate
from aicmo_audit.config import SERVICE, load_config
from aicmo_common.entrypoint import run

if __name__ == "__main__":
    sys.exit(run(SERVICE, load_config=load_config, factory=create_server, migrate=migrate))
