"""The server interceptor every service runs: request id, authentication, metrics, logs, errors.

One interceptor rather than a chain of five: each layer of a Python interceptor costs a
coroutine hop on every call, and all five concerns wrap the same call in the same order.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable

import grpc
from google.protobuf.message import Message

from aicmo_common import auth, errors, telemetry, text

log = logging.getLogger("aicmo.rpc")

# Health and reflection answer without a token, so probes and generic clients work.
PUBLIC_PREFIXES = ("/grpc.health.v1.Health/", "/grpc.reflection.")


def _nul_error(request, error: Exception) -> errors.InvalidArgument | None:
    """A request that failed unexpectedly while holding a NUL character in some text: that is
    the cause (PostgreSQL refuses NUL in text, so a lookup by such an id fails in the driver
    rather than finding nothing). The caller hears which fields, as INVALID_ARGUMENT, instead
    of an internal error. The services' own validation runs first, so a request with other bad
    fields still has them all named; nothing was written, the failed statement rolled back."""
    if isinstance(error, grpc.aio.AbortError) or not isinstance(request, Message):
        return None
    paths = text.nul_fields(request)
    if not paths:
        return None
    return errors.InvalidArgument(
        [errors.FieldViolation(path, "must not contain a NUL character") for path in paths])


class ServerInterceptor(grpc.aio.ServerInterceptor):
    """Wraps every handler of the server in the shared call pipeline."""

    def __init__(self, signer: auth.TokenSigner, metrics: telemetry.ServerMetrics) -> None:
        self._signer = signer
        self._metrics = metrics

    async def intercept_service(self, continuation, handler_call_details):
        handler = await continuation(handler_call_details)
        if handler is None:
            return None
        method = handler_call_details.method
        public = method.startswith(PUBLIC_PREFIXES)
        short = method.rsplit("/", 1)[-1]
        if handler.unary_unary:
            return handler._replace(unary_unary=self._wrap_unary(handler.unary_unary, short,
                                                                 public, check_text=True))
        if handler.stream_unary:
            return handler._replace(stream_unary=self._wrap_unary(handler.stream_unary, short,
                                                                  public))
        if handler.unary_stream:
            return handler._replace(unary_stream=self._wrap_stream(handler.unary_stream, short,
                                                                   public, check_text=True))
        if handler.stream_stream:
            return handler._replace(stream_stream=self._wrap_stream(handler.stream_stream,
                                                                    short, public))
        return handler

    def _enter(self, context: grpc.aio.ServicerContext, public: bool):
        metadata = context.invocation_metadata()
        request_token = telemetry.set_request_id(telemetry.request_id_from_metadata(metadata))
        principal = None if public else self._signer.verify(auth.bearer_from_metadata(metadata))
        return request_token, auth.set_principal(principal)

    def _wrap_unary(self, behaviour: Callable, method: str, public: bool, *,
                    check_text: bool = False):
        check_text = check_text and not public

        async def wrapped(request, context):
            started = time.perf_counter()
            code = "OK"
            tokens = None
            try:
                tokens = self._enter(context, public)
                return await behaviour(request, context)
            except Exception as error:  # noqa: BLE001 - domain errors answer; others INTERNAL
                code, failure = self._classify(context, request, error, check_text)
                if failure is None:
                    raise
                self._log_failure(method, failure)
                await errors.abort(context, failure)
            finally:
                self._finish(method, code, started, tokens)
        return wrapped

    def _wrap_stream(self, behaviour: Callable, method: str, public: bool, *,
                     check_text: bool = False):
        check_text = check_text and not public

        async def wrapped(request, context):
            started = time.perf_counter()
            code = "OK"
            tokens = None
            try:
                tokens = self._enter(context, public)
                async for response in behaviour(request, context):
                    yield response
            except Exception as error:  # noqa: BLE001 - domain errors answer; others INTERNAL
                code, failure = self._classify(context, request, error, check_text)
                if failure is None:
                    raise
                self._log_failure(method, failure)
                await errors.abort(context, failure)
            finally:
                self._finish(method, code, started, tokens)
        return wrapped

    def _classify(self, context, request, error: Exception, check_text: bool
                  ) -> tuple[str, errors.ServiceError | None]:
        """The status code of a failed call for the metrics, and the domain error to answer
        with (a NUL that broke a lookup counts as one); None: re-raise, reported INTERNAL."""
        if not isinstance(error, errors.ServiceError) and check_text:
            error = _nul_error(request, error) or error
        if isinstance(error, errors.ServiceError):
            return error.code.name, error
        return self._code_of(context, error), None

    @staticmethod
    def _code_of(context, error: Exception) -> str:
        # context.abort() raises an exception after setting the code; anything else is a bug.
        code = context.code() if hasattr(context, "code") else None
        if isinstance(code, grpc.StatusCode) and code is not grpc.StatusCode.OK:
            return code.name
        if isinstance(error, BaseException) and not isinstance(error, grpc.RpcError):
            log.error("unhandled error", exc_info=error)
        return "INTERNAL" if code is None else getattr(code, "name", "UNKNOWN")

    @staticmethod
    def _log_failure(method: str, error: errors.ServiceError) -> None:
        level = logging.INFO if error.code is not grpc.StatusCode.INTERNAL else logging.ERROR
        log.log(level, "%s failed: %s", method,
                error.message, extra={"fields": {"method": method, "code": error.code.name,
                                                 "reason": error.reason}})

    def _finish(self, method: str, code: str, started: float, tokens) -> None:
        elapsed = time.perf_counter() - started
        self._metrics.observe(method, code, elapsed)
        if log.isEnabledFor(logging.DEBUG):
            log.debug("%s %s", method, code, extra={"fields": {
                "method": method, "code": code, "ms": round(elapsed * 1000, 3)}})
        if tokens is not None:
            request_token, principal_token = tokens
            auth.reset_principal(principal_token)
            telemetry.reset_request_id(request_token)
