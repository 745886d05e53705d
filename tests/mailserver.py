"""Real servers at the edges of delivery tests: an SMTP server (aiosmtpd) and a JSON webhook
receiver (http.server), both on loopback, each recording what arrived.

Both record a message before they answer, so when apprise's `notify()` has returned, what it
delivered is already here: tests read the lists without waiting.
"""

from __future__ import annotations

import email
import email.policy
import json
import socket
import threading
from dataclasses import dataclass, field
from email.message import EmailMessage
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on (aiosmtpd cannot take port 0)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@dataclass(frozen=True)
class Mail:
    """One message as the SMTP server received it."""

    mail_from: str
    rcpt_tos: list[str]
    message: EmailMessage
    login: str | None = None

    @property
    def subject(self) -> str:
        return str(self.message["Subject"])

    def parts(self, content_type: str) -> list[EmailMessage]:
        return [part for part in self.message.walk() if part.get_content_type() == content_type]

    def text(self, content_type: str = "text/plain") -> str:
        found = self.parts(content_type)
        assert found, f"no {content_type} part in {self.message.get_content_type()} message"
        return found[0].get_content()


class SmtpServer:
    """aiosmtpd on 127.0.0.1:`port` (free if not given), started and stopped explicitly.
    With `login`/`password`, AUTH PLAIN/LOGIN is offered without TLS and checked;
    each mail records the login it was sent under."""

    def __init__(
        self, port: int | None = None, *, login: str | None = None, password: str | None = None
    ) -> None:
        self.port = port or free_port()
        self.mails: list[Mail] = []
        self._lock = threading.Lock()
        self._credentials = (login, password) if login else None
        self._controller: Any = None

    # aiosmtpd handler hook
    async def handle_DATA(self, server, session, envelope) -> str:  # type: ignore[no-untyped-def]  # noqa: N802
        message = email.message_from_bytes(envelope.content, policy=email.policy.default)
        login = (
            session.auth_data.login.decode() if self._credentials and session.auth_data else None
        )
        with self._lock:
            self.mails.append(Mail(envelope.mail_from, list(envelope.rcpt_tos), message, login))  # type: ignore[arg-type]
        return "250 Message accepted for delivery"

    def _authenticate(self, server, session, envelope, mechanism, auth_data):  # type: ignore[no-untyped-def]
        from aiosmtpd.smtp import AuthResult, LoginPassword

        ok = (
            isinstance(auth_data, LoginPassword)
            and self._credentials is not None
            and (auth_data.login.decode(), auth_data.password.decode()) == self._credentials
        )
        return AuthResult(success=ok, handled=False, auth_data=auth_data)

    def start(self) -> SmtpServer:
        from aiosmtpd.controller import Controller

        options: dict[str, Any] = {}
        if self._credentials:
            options = {
                "authenticator": self._authenticate,
                "auth_require_tls": False,  # loopback only
            }
        self._controller = Controller(self, hostname="127.0.0.1", port=self.port, **options)
        self._controller.start()
        return self

    def stop(self) -> None:
        if self._controller is not None:
            self._controller.stop()
            self._controller = None

    def url(self, *, credentials: str = "") -> str:
        """The KREISLAUF_EMAIL_URL for this server (apprise mailto, no recipient, no TLS)."""
        return (
            f"mailto://{credentials}kreis.example:{self.port}"
            "?smtp=127.0.0.1&from=kreislauf@kreis.example&secure=no"
        )

    def to(self, address: str) -> list[Mail]:
        return [mail for mail in self.mails if address in mail.rcpt_tos]


@dataclass(frozen=True)
class Post:
    path: str
    headers: dict[str, str]
    payload: dict[str, Any] = field(default_factory=dict)


class WebhookServer:
    """A loopback HTTP server that records JSON posts and answers 200."""

    def __init__(self, port: int | None = None) -> None:
        self.port = port or free_port()
        self.posts: list[Post] = []
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    def start(self) -> WebhookServer:
        posts = self.posts

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802
                length = int(self.headers.get("Content-Length") or 0)
                payload = json.loads(self.rfile.read(length) or b"{}")
                posts.append(Post(self.path, dict(self.headers), payload))
                self.send_response(200)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
                pass  # quiet

        self._server = ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None

    def url(self, path: str = "hook") -> str:
        return f"json://127.0.0.1:{self.port}/{path}"
