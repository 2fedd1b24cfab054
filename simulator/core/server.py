"""The one HTTP(S) server on 127.0.0.1: parse, log, apply faults, dispatch to a vendor wire."""
from __future__ import annotations

import json
import logging
import ssl
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from .context import SimContext
from .faults import LATENCY, LOST, SERVER_ERROR, THROTTLE
from .wire import Call, SimError, SimRequest, SimResponse, VendorWire

log = logging.getLogger("imageforge.simulator")


class Dispatcher:
    """Routes a request to the first vendor wire that recognises it."""

    def __init__(self, ctx: SimContext, wires: list[VendorWire]) -> None:
        self.ctx = ctx
        self.wires = wires

    def dispatch(self, request: SimRequest) -> SimResponse:
        if request.path.startswith("/_sim/"):
            return self.ctx.control(request)
        wire = next((w for w in self.wires if w.matches(request)), None)
        if wire is None:
            return SimResponse.json(404, {"error": "no simulated cloud recognises this request",
                                          "path": request.path})
        call: Call | None = None
        try:
            call = wire.identify(request)
            self.ctx.clock.on_request()
            self.ctx.run_hooks("before", wire.vendor, call)
            with self.ctx.request():  # one clock reading for the whole request
                response = self._faulted(wire, call) or wire.handle(call, request)
            self.ctx.run_hooks("after", wire.vendor, call)
            lost = self.ctx.faults.take(wire.vendor, call.action, call.region, LOST)
            if lost is not None:  # applied, but the caller never learns it: the reply is lost
                raise SimError(lost.code or "InternalError", lost.message or "The request processing has failed "
                               "due to some unknown error.", lost.status or 500)
        except SimError as err:
            response = wire.render_error(err, call, request)
            self.ctx.log_request(wire.vendor, call, response.status, err.code)
            return response
        self.ctx.log_request(wire.vendor, call, response.status, "")
        return response

    def _faulted(self, wire: VendorWire, call: Call) -> SimResponse | None:
        faults = self.ctx.faults
        delay = faults.take(wire.vendor, call.action, call.region, LATENCY)
        if delay is not None and delay.latency > 0:
            time.sleep(min(delay.latency, 5.0))  # a fault the user asked for, bounded
        throttle = faults.take(wire.vendor, call.action, call.region, THROTTLE)
        if throttle is not None:
            raise SimError(throttle.code or wire.throttle_code, throttle.message or "Request was denied due to request throttling.",
                           throttle.status or wire.throttle_status, throttled=True)
        broken = faults.take(wire.vendor, call.action, call.region, SERVER_ERROR)
        if broken is not None:
            raise SimError(broken.code or "InternalError", broken.message or "The request processing has failed due to some unknown error.",
                           broken.status or 500)
        return None


def _handler(dispatcher: Dispatcher, tls: bool) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        server_version = "imageforge-sim"
        disable_nagle_algorithm = True  # kept-alive SDK connections otherwise wait on delayed ACKs

        def _serve(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length else b""
            request = SimRequest.build(self.command, self.path, dict(self.headers.items()), body, tls)
            try:
                response = dispatcher.dispatch(request)
            except ConnectionAbortedError:  # a test hook dropped the request: no reply at all
                self.close_connection = True
                return
            except Exception as exc:  # a simulator bug must still answer, in a readable way
                log.exception("simulator failure")
                response = SimResponse.json(500, {"error": f"simulator failure: {exc!r}"})
            self.send_response(response.status)
            headers = {"Content-Length": str(len(response.body)), **response.headers}
            for name, value in headers.items():
                self.send_header(name, value)
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(response.body)

        do_GET = do_POST = do_PUT = do_DELETE = do_PATCH = do_HEAD = _serve

        def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
            log.debug(format, *args)

    return Handler


class _Server(ThreadingHTTPServer):
    def handle_error(self, request: Any, client_address: Any) -> None:
        """A client that went away mid-request (killed, timed out) is normal: no traceback on stderr."""
        import sys

        if isinstance(sys.exc_info()[1], (ConnectionError, ssl.SSLError, TimeoutError)):
            return
        super().handle_error(request, client_address)


class Listener:
    """One ThreadingHTTPServer in a daemon thread."""

    def __init__(self, dispatcher: Dispatcher, port: int = 0, ssl_context: ssl.SSLContext | None = None) -> None:
        self.server = _Server(("127.0.0.1", port), _handler(dispatcher, ssl_context is not None))
        self.server.daemon_threads = True
        if ssl_context is not None:
            self.server.socket = ssl_context.wrap_socket(self.server.socket, server_side=True)
        self.scheme = "https" if ssl_context else "http"
        self.thread = threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, name=f"imageforge-sim-{self.scheme}", daemon=True)

    @property
    def url(self) -> str:
        return f"{self.scheme}://127.0.0.1:{self.server.server_address[1]}"

    def start(self) -> "Listener":
        self.thread.start()
        return self

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()


def json_body(request: SimRequest) -> dict[str, Any]:
    return json.loads(request.body or b"{}")
