"""``python -m aicmo_gateway.edge``: the HTTP edge under uvicorn (SIGTERM drains and stops)."""

from __future__ import annotations

import sys

import uvicorn
from prometheus_client import start_http_server

from aicmo_common.config import ConfigError
from aicmo_common.telemetry import configure_logging
from aicmo_gateway.edge.app import create_app
from aicmo_gateway.edge.config import EdgeConfig
from aicmo_gateway.edge.metrics import EdgeMetrics


def main() -> int:
    try:
        config = EdgeConfig.from_env()
    except ConfigError as error:
        print(f"aicmo-edge: configuration error: {error}", file=sys.stderr)
        return 2
    configure_logging("edge", config.log_level)
    metrics = EdgeMetrics()
    if config.metrics_port is not None:
        start_http_server(config.metrics_port, registry=metrics.registry)
    app = create_app(config, metrics=metrics)
    # No access log: it would write every visitor's IP address; metrics count requests.
    server = uvicorn.Server(uvicorn.Config(
        app, host=config.host, port=config.port, log_config=None, access_log=False,
        lifespan="on", timeout_graceful_shutdown=10, server_header=False))
    server.run()
    return 0


if __name__ == "__main__":
    sys.exit(main())
