"""``python -m aicmo_gateway`` is the ``aicmo`` command."""

from aicmo_gateway.cli import main

main()
