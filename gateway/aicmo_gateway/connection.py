"""Where the services are and who the CLI is: flags, then the environment, then var/dev.env.

Calls are synchronous (a CLI does one thing at a time) and each carries the bearer token, a
request id and a deadline, like every call between the services.
"""

from __future__ import annotations

import collections
import contextlib
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

import grpc

from aicmo_common import telemetry, topology
from aicmo_common.clients import RETRY_SERVICE_CONFIG
from aicmo_gateway import devfiles
from aicmo_gateway.exit_codes import CliError, ExitCode, describe_rpc_error

SERVICE_NAMES = tuple(component.name for component in topology.SERVICES)
TLS_VARIABLES = {"ca": "AICMO_TLS_CA_FILE", "cert": "AICMO_TLS_CERT_FILE",
                 "key": "AICMO_TLS_KEY_FILE", "server_name": "AICMO_TLS_SERVER_NAME"}


@dataclass(frozen=True)
class ClientTls:
    """How the CLI speaks TLS to the services: the CA that signed their certificates (the
    system's roots when None), the CLI's own certificate and key for mutual TLS (both or
    neither), and the name to expect in the servers' certificates when the address does not
    carry it (a port-forward to localhost, say)."""

    ca_file: Path | None = None
    cert_file: Path | None = None
    key_file: Path | None = None
    server_name: str | None = None

    @classmethod
    def from_values(cls, values: Mapping[str, str | None]) -> ClientTls | None:
        if not any(values.get(name) for name in ("ca", "cert", "key")):
            if values.get("server_name"):
                raise CliError("--tls-server-name needs TLS: pass --tls-ca or --tls-cert and "
                               "--tls-key", ExitCode.BAD_USAGE)
            return None
        if bool(values.get("cert")) != bool(values.get("key")):
            raise CliError("--tls-cert and --tls-key go together (AICMO_TLS_CERT_FILE and "
                           "AICMO_TLS_KEY_FILE): the client certificate and its key",
                           ExitCode.BAD_USAGE)
        files = {}
        for name in ("ca", "cert", "key"):
            value = values.get(name)
            if value:
                path = Path(value).expanduser()
                if not path.is_file():
                    raise CliError(f"--tls-{name}: {value} is not a readable file",
                                   ExitCode.BAD_USAGE)
                files[name] = path
        return cls(files.get("ca"), files.get("cert"), files.get("key"),
                   values.get("server_name") or None)

    def credentials(self) -> grpc.ChannelCredentials:
        return grpc.ssl_channel_credentials(
            root_certificates=self.ca_file.read_bytes() if self.ca_file else None,
            private_key=self.key_file.read_bytes() if self.key_file else None,
            certificate_chain=self.cert_file.read_bytes() if self.cert_file else None)


class _Details(collections.namedtuple(
        "_Details", ("method", "timeout", "metadata", "credentials", "wait_for_ready",
                     "compression")), grpc.ClientCallDetails):
    pass


class _CallDefaults(grpc.UnaryUnaryClientInterceptor, grpc.UnaryStreamClientInterceptor,
                    grpc.StreamUnaryClientInterceptor, grpc.StreamStreamClientInterceptor):
    """Adds the token, a request id and a default deadline to every call."""

    def __init__(self, token: str | None, timeout: float, request_id: str) -> None:
        self._token = token
        self._timeout = timeout
        self._request_id = request_id

    def _details(self, details: grpc.ClientCallDetails) -> grpc.ClientCallDetails:
        metadata = list(details.metadata or ())
        keys = {key for key, _ in metadata}
        if self._token and "authorization" not in keys:
            metadata.append(("authorization", f"Bearer {self._token}"))
        if telemetry.REQUEST_ID_KEY not in keys:
            metadata.append((telemetry.REQUEST_ID_KEY, self._request_id))
        timeout = details.timeout if details.timeout is not None else self._timeout
        return _Details(details.method, timeout, metadata, details.credentials,
                        details.wait_for_ready, getattr(details, "compression", None))

    def intercept_unary_unary(self, continuation, client_call_details, request):
        return continuation(self._details(client_call_details), request)

    def intercept_unary_stream(self, continuation, client_call_details, request):
        return continuation(self._details(client_call_details), request)

    def intercept_stream_unary(self, continuation, client_call_details, request_iterator):
        return continuation(self._details(client_call_details), request_iterator)

    def intercept_stream_stream(self, continuation, client_call_details, request_iterator):
        return continuation(self._details(client_call_details), request_iterator)


@dataclass
class Connection:
    """The resolved addresses and token, and the open channels of one CLI invocation."""

    addresses: dict[str, str]
    token: str | None
    timeout_seconds: float = 10.0
    edge_url: str | None = None
    tls: ClientTls | None = None
    # host:port of the edge's inbound SMTP receiver (bounces and replies), when one runs.
    inbound_smtp: str | None = None
    request_id: str = field(default_factory=telemetry.new_request_id)
    _channels: dict[str, grpc.Channel] = field(default_factory=dict)

    @classmethod
    def resolve(cls, flags: Mapping[str, str | None], token: str | None,
                environ: Mapping[str, str] | None = None, cwd: Path | None = None,
                timeout_seconds: float = 10.0,
                tls_flags: Mapping[str, str | None] | None = None) -> Connection:
        """Flags win, then ``AICMO_<SERVICE>_ADDR`` / ``AICMO_TOKEN`` / ``AICMO_TLS_*``, then
        ``var/dev.env``."""
        environ = os.environ if environ is None else environ
        dev_env = devfiles.read_env_file((cwd or Path.cwd()) / "var" / devfiles.ENV_FILE)

        def pick(flag: str | None, variable: str) -> str | None:
            for value in (flag, environ.get(variable), dev_env.get(variable)):
                if value and value.strip():
                    return value.strip()
            return None

        addresses = {}
        for name in SERVICE_NAMES:
            found = pick(flags.get(name), f"AICMO_{name.upper()}_ADDR")
            if found:
                addresses[name] = found
        tls_flags = tls_flags or {}
        tls = ClientTls.from_values({name: pick(tls_flags.get(name), variable)
                                     for name, variable in TLS_VARIABLES.items()})
        return cls(addresses=addresses, token=pick(token, "AICMO_TOKEN"),
                   timeout_seconds=timeout_seconds,
                   edge_url=pick(flags.get("edge"), "AICMO_EDGE_URL"), tls=tls,
                   inbound_smtp=pick(None, "AICMO_INBOUND_SMTP_ADDR"))

    def channel(self, service: str) -> grpc.Channel:
        if service in self._channels:
            return self._channels[service]
        address = self.addresses.get(service)
        if not address:
            raise CliError(
                f"no address for the {service} service: pass --{service}-addr, set "
                f"AICMO_{service.upper()}_ADDR, or run `aicmo dev up` in this folder",
                ExitCode.BAD_USAGE)
        if not self.token:
            raise CliError("no token: pass --token, set AICMO_TOKEN, or run `aicmo dev up` in "
                           "this folder (or `aicmo token issue`)", ExitCode.BAD_USAGE)
        options = [("grpc.service_config", RETRY_SERVICE_CONFIG), ("grpc.enable_retries", 1)]
        if self.tls is None:
            raw = grpc.insecure_channel(address, options=options)
        else:
            if self.tls.server_name:
                options.append(("grpc.ssl_target_name_override", self.tls.server_name))
            raw = grpc.secure_channel(address, self.tls.credentials(), options=options)
        channel = grpc.intercept_channel(
            raw, _CallDefaults(self.token, self.timeout_seconds, self.request_id))
        self._channels[service] = channel
        return channel

    def stub(self, service: str, stub_class):
        return ServiceStub(service, stub_class(self.channel(service)))

    def close(self) -> None:
        for channel in self._channels.values():
            with contextlib.suppress(Exception):
                channel.close()
        self._channels.clear()


class ServiceStub:
    """A generated stub whose failures become :class:`CliError` naming the service."""

    def __init__(self, service: str, stub) -> None:
        self._service = service
        self._stub = stub

    def __getattr__(self, method: str):
        target = getattr(self._stub, method)

        def call(request, **kwargs):
            try:
                return target(request, **kwargs)
            except grpc.RpcError as error:
                raise describe_rpc_error(error, self._service) from None

        return call

    def stream(self, method: str, request, **kwargs):
        """Iterates a streaming call (``request`` may be an iterator of requests for a
        bidirectional one), translating a failure midway too."""
        try:
            yield from getattr(self._stub, method)(request, **kwargs)
        except grpc.RpcError as error:
            raise describe_rpc_error(error, self._service) from None
