"""The name of this process among the replicas of its service."""

from __future__ import annotations

import os
import socket


def node_name() -> str:
    """``AICMO_REPLICA_ID`` when set, otherwise the host name (the pod's name in Kubernetes)
    and the process id, so two processes on one host are told apart."""
    configured = os.environ.get("AICMO_REPLICA_ID", "").strip()
    if configured:
        return configured[:200]
    return f"{socket.gethostname()}-{os.getpid()}"[:200]
