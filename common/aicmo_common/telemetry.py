"""Structured JSON logs and Prometheus metrics, both carrying the request id."""

from __future__ import annotations

import contextvars
import json
import logging
import sys
import time
import uuid

from prometheus_client import CollectorRegistry, Counter, Histogram

REQUEST_ID_KEY = "x-request-id"

_request_id: contextvars.ContextVar[str] = contextvars.ContextVar("aicmo_request_id",
                                                                  default="")


def current_request_id() -> str:
    """The id of the request being served, or '' outside one."""
    return _request_id.get()


def set_request_id(value: str) -> contextvars.Token:
    return _request_id.set(value)


def reset_request_id(token: contextvars.Token) -> None:
    _request_id.reset(token)


def new_request_id() -> str:
    return uuid.uuid4().hex


def request_id_from_metadata(metadata) -> str:
    """Takes the caller's request id when it is sane, or makes a new one."""
    for key, value in metadata or ():
        if key == REQUEST_ID_KEY:
            text = value.decode(errors="replace") if isinstance(value, bytes) else value
            if 0 < len(text) <= 128 and text.isprintable():
                return text
            break
    return new_request_id()


class JsonFormatter(logging.Formatter):
    """One JSON object per line, with the service and the current request id."""

    def __init__(self, service: str) -> None:
        super().__init__()
        self._service = service

    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "ts": time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(record.created))
            + f".{int(record.msecs):03d}Z",
            "level": record.levelname.lower(),
            "service": self._service,
            "logger": record.name,
            "message": record.getMessage(),
            "request_id": getattr(record, "request_id", None) or current_request_id(),
        }
        for key, value in getattr(record, "fields", {}).items():
            entry[key] = value
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, default=str)


def configure_logging(service: str, level: str = "info", stream=None) -> None:
    """Sends every log record of the process to ``stream`` as JSON lines."""
    handler = logging.StreamHandler(stream or sys.stderr)
    handler.setFormatter(JsonFormatter(service))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level.upper())


class ServerMetrics:
    """Per-method call counts by status code and latency, in the server's own registry."""

    def __init__(self, service: str, registry: CollectorRegistry | None = None) -> None:
        self.registry = registry or CollectorRegistry()
        self.handled = Counter(
            "aicmo_grpc_server_handled", "RPCs completed, by method and status code.",
            ["service", "method", "code"], registry=self.registry)
        self.latency = Histogram(
            "aicmo_grpc_server_handling_seconds", "Time to complete an RPC, by method.",
            ["service", "method"], registry=self.registry,
            buckets=(0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5,
                     5, 10))
        self._service = service
        self._children: dict[tuple[str, str], tuple[object, object]] = {}

    def observe(self, method: str, code: str, seconds: float) -> None:
        key = (method, code)
        children = self._children.get(key)
        if children is None:
            children = (self.handled.labels(self._service, method, code),
                        self.latency.labels(self._service, method))
            self._children[key] = children
        children[0].inc()
        children[1].observe(seconds)
