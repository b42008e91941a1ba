"""A local mock of the Slack Web API (and response_url hooks) that records every call."""

from __future__ import annotations

import itertools
import json
import threading
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl

Params = dict[str, Any]


def _parse(body: bytes, content_type: str) -> Params:
    if not body:
        return {}
    if "json" in content_type:
        return json.loads(body)
    params: Params = dict(parse_qsl(body.decode(), keep_blank_values=True))
    for key in ("blocks", "view", "attachments", "files"):
        if isinstance(params.get(key), str):
            params[key] = json.loads(params[key])
    return params


class _Server(ThreadingHTTPServer):
    """Quiet when a client drops a connection (a worker cancelled mid-post at shutdown)."""

    daemon_threads = True
    errors: list[BaseException]

    def handle_error(self, request, client_address) -> None:
        """Keep unexpected handler errors for the tests to see instead of printing them."""
        import sys

        error = sys.exc_info()[1]
        if not isinstance(error, ConnectionError):
            self.errors.append(error)


class MockSlack:
    """Answers auth.test, chat.*, views.*; `calls` keeps (method, params, headers) in order."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, Params]] = []
        self.failures: dict[str, int] = {}
        self._cond = threading.Condition()
        self._ts = itertools.count(1)
        self._server = _Server(("127.0.0.1", 0), self._handler())
        self._server.errors = self.errors = []
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def base_url(self) -> str:
        """The Web API base URL to give AsyncWebClient (NURTURE_SLACK_API_URL)."""
        return f"http://127.0.0.1:{self._server.server_port}/api/"

    def response_url(self, name: str = "cmd") -> str:
        """A response_url for slash commands; posts to it are recorded as 'response_url'."""
        return f"http://127.0.0.1:{self._server.server_port}/response/{name}"

    def start(self) -> MockSlack:
        """Serve in a background thread."""
        self._thread.start()
        return self

    def stop(self) -> None:
        """Shut the server down."""
        self._server.shutdown()
        self._server.server_close()

    def reset(self) -> None:
        """Forget recorded calls and planned failures."""
        with self._cond:
            self.calls.clear()
            self.failures.clear()
            self.errors.clear()

    def of(self, method: str, where: Callable[[Params], bool] | None = None) -> list[Params]:
        """Recorded params of every call to `method` (optionally filtered)."""
        with self._cond:
            return [p for m, p in self.calls if m == method and (where is None or where(p))]

    def wait_for(
        self,
        method: str,
        count: int = 1,
        where: Callable[[Params], bool] | None = None,
        timeout: float = 5.0,
    ) -> list[Params]:
        """Block until `count` matching calls arrived; AssertionError on timeout."""
        with self._cond:
            done = self._cond.wait_for(lambda: len(self._matching(method, where)) >= count, timeout)
            found = self._matching(method, where)
        assert done, f"expected {count} {method} call(s), got {len(found)}: {self.calls}"
        return found

    def _matching(self, method: str, where) -> list[Params]:
        return [p for m, p in self.calls if m == method and (where is None or where(p))]

    def _answer(self, method: str, params: Params) -> Params:
        if self.failures.get(method, 0) > 0:
            self.failures[method] -= 1
            return {"ok": False, "error": "internal_error"}
        if method == "auth.test":
            return {
                "ok": True,
                "team_id": "T0TEAM",
                "user_id": "U0BOT",
                "bot_id": "B0BOT",
                "user": "nurture",
                "team": "Test",
                "url": "https://test.slack.com/",
            }
        if method in ("chat.postMessage", "chat.update"):
            channel = str(params.get("channel", ""))
            if channel.startswith("U"):  # posting to a user id lands in the app's DM with them
                channel = "D" + channel[1:]
            ts = params.get("ts") or f"1700000000.{next(self._ts):06d}"
            return {
                "ok": True,
                "channel": channel,
                "ts": ts,
                "message": {"text": params.get("text")},
            }
        if method == "chat.postEphemeral":
            return {"ok": True, "message_ts": f"1700000001.{next(self._ts):06d}"}
        if method == "files.getUploadURLExternal":
            file_id = f"F{next(self._ts):05d}"
            return {
                "ok": True,
                "file_id": file_id,
                "upload_url": f"{self.base_url}upload/{file_id}",
            }
        if method == "files.completeUploadExternal":
            if isinstance(params.get("files"), str):  # sent in the query string as JSON text
                params["files"] = json.loads(params["files"])
            return {"ok": True, "files": [{"id": f["id"]} for f in params.get("files", [])]}
        if method.startswith("views."):
            return {"ok": True, "view": {"id": f"V{next(self._ts):05d}", **params.get("view", {})}}
        return {"ok": True}

    def _handler(self):
        mock = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args) -> None:  # keep test output quiet
                pass

            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("content-length") or 0))
                uploading = "/upload/" in self.path
                params = {} if uploading else _parse(body, self.headers.get("content-type", ""))
                if self.path.startswith("/response/"):
                    method, answer, kind = "response_url", b"ok", "text/plain"
                elif uploading:  # the file bytes of files_upload_v2
                    params = {"file_id": self.path.rsplit("/", 1)[-1], "bytes": body}
                    method, answer, kind = "file_upload", b"OK - 1", "text/plain"
                else:
                    method, _, query = self.path.rsplit("/", 1)[-1].partition("?")
                    params = {**dict(parse_qsl(query)), **params}
                    answer = json.dumps(mock._answer(method, params)).encode()
                    kind = "application/json"
                with mock._cond:
                    mock.calls.append((method, params))
                    mock._cond.notify_all()
                self.send_response(200)
                self.send_header("content-type", kind)
                self.send_header("content-length", str(len(answer)))
                self.end_headers()
                self.wfile.write(answer)

        return Handler
