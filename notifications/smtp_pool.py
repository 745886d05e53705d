"""E-mail over reused SMTP connections: apprise's e-mail plugin, registered for mailto://.

apprise's own plugin opens a connection, and builds a TLS context (about 20 ms of CPU even
without TLS), for every message; the dispatcher sends hundreds of digests in a row. This
subclass is the same plugin (same URL syntax, same messages, same privacy URL) except that
it keeps the connections it opened, per server and login, and hands an idle one to the next
message. A kept connection that was idle for more than a moment (FRESH) is checked with NOOP
before it is used again (one right after the other is not: a round trip per message); one that
failed is closed, never reused. `close_idle()` ends the idle ones (the dispatcher calls it
when done).
"""

from __future__ import annotations

import threading
import time
from typing import Any

from apprise import AppriseAttachment, NotifyFormat, NotifyType
from apprise.apprise import N_MGR
from apprise.exception import AppriseImproperlyConfigured
from apprise.plugins.email import AppriseEmailException, NotifyEmail
from apprise.plugins.email.smtp import SMTP_EXCEPTIONS, AppriseSMTPController

_Key = tuple[Any, ...]
FRESH = 2.0  # seconds: a connection given back more recently is used without a NOOP


class _Pool:
    """Idle, logged-in SMTP connections per (host, port, security, login)."""

    def __init__(self) -> None:
        self._idle: dict[_Key, list[tuple[float, AppriseSMTPController]]] = {}
        self._lock = threading.Lock()

    def take(self, key: _Key) -> AppriseSMTPController | None:
        while True:
            with self._lock:
                idle = self._idle.get(key)
                given_back, connection = idle.pop() if idle else (0.0, None)
            if connection is None:
                return None
            if connection._socket is not None and time.monotonic() - given_back < FRESH:
                return connection
            try:  # the server may have closed it while it was idle
                if connection._socket is not None and connection._socket.noop()[0] == 250:
                    return connection
            except SMTP_EXCEPTIONS:
                pass
            _close(connection)

    def give_back(self, key: _Key, connection: AppriseSMTPController) -> None:
        with self._lock:
            self._idle.setdefault(key, []).append((time.monotonic(), connection))

    def close_idle(self) -> None:
        with self._lock:
            idle = [connection for kept in self._idle.values() for _, connection in kept]
            self._idle.clear()
        for connection in idle:
            _close(connection)


def _close(connection: AppriseSMTPController) -> None:
    connection.__exit__(None, None, None)  # QUIT, errors suppressed


POOL = _Pool()


class PooledEmail(NotifyEmail):
    """apprise's e-mail plugin, sending over a kept connection when one is idle."""

    def send(
        self,
        body: str,
        title: str = "",
        notify_type: NotifyType = NotifyType.INFO,
        attach: AppriseAttachment | None = None,
        body_format: NotifyFormat | None = None,
        **kwargs: Any,
    ) -> bool:
        if not self.targets:
            self.logger.warning("There are no Email recipients to notify")
            return False
        self.throttle()
        headers = {"X-Application": self.app_id, **self.headers, **self._protocol_headers(body)}
        # apprise makes a new Message-ID for every message; ours is stable (see `_message_id`)
        stable = _message_id(headers, str(self.from_addr[1]))
        try:
            messages = list(
                NotifyEmail.prepare_emails(
                    subject=title,
                    body=body,
                    notify_format=self.resolve_format(body_format),
                    from_addr=self.from_addr,
                    to=self.targets,
                    cc=self.cc,
                    bcc=self.bcc,
                    reply_to=self.reply_to,
                    smtp_host=self.smtp_host,
                    attach=attach,
                    headers=headers,
                    names=self.names,
                    pgp=self.pgp,
                    pgp_mode=self.pgp_mode,
                    inline=self.inline,
                    tzinfo=self.tzinfo,
                )
            )
        except AppriseEmailException as error:
            self.logger.debug(f"Email Exception: {error}")
            return False
        sent = True
        for message in messages:
            if self.is_delivered(message.recipient):  # a retry skips who has it already
                continue
            text = _with_message_id(message.body, stable) if stable else message.body
            if self._sendmail(message.to_addrs, text):
                self.logger.info("Sent Email to %s", message.recipient)
                self.mark_delivered(message.recipient)
            else:
                self.logger.warning('Sending email to "%s" failed.', message.recipient)
                sent = False
        self.pgp.prune()
        return sent

    def _sendmail(self, to_addrs: list[str], body: str) -> bool:
        key: _Key = (self.smtp_host, self.port, self.secure_mode, self.user, self.password)
        key += (self.verify_certificate,)
        connection = POOL.take(key)
        if connection is None:
            if self.port is None or self.secure_mode is None:  # NotifyEmail.__init__ sets both
                return False
            try:
                connection = AppriseSMTPController(
                    host=self.smtp_host,
                    port=self.port,
                    secure_mode=self.secure_mode,
                    user=self.user,
                    password=self.password,
                    verify_certificate=self.verify_certificate,
                    socket_connect_timeout=self.socket_connect_timeout,
                ).__enter__()
            except (*SMTP_EXCEPTIONS, AppriseImproperlyConfigured) as error:
                host = self.smtp_host
                self.logger.warning('Connection error while submitting email to "%s"', host)
                self.logger.debug(f"Socket Exception: {error}")
                return False
        if connection.sendmail(str(self.from_addr[1]), to_addrs, body):
            POOL.give_back(key, connection)
            return True
        _close(connection)  # refused or broken: a fresh connection for the next message
        return False


def _message_id(headers: dict[str, Any], sender: str) -> str | None:
    """The Message-ID given as a header (taken out of `headers`: apprise would add a second
    one), as `<left@domain>`; a left part alone gets the sender's domain."""
    found = next((name for name in headers if name.lower() == "message-id"), None)
    if found is None:
        return None
    value = str(headers.pop(found)).strip().strip("<>")
    if not value:
        return None
    if "@" not in value:
        value += "@" + (sender.rpartition("@")[2] or "localhost")
    return f"<{value}>"


def _with_message_id(text: str, message_id: str) -> str:
    """The serialised message with its Message-ID header replaced (apprise writes it on one
    line, in the top header block)."""
    head, separator, rest = text.partition("\n\n")
    lines = head.split("\n")
    for index, line in enumerate(lines):
        if line.lower().startswith("message-id:"):
            ending = "\r" if line.endswith("\r") else ""
            lines[index] = f"Message-ID: {message_id}{ending}"
            break
    else:
        lines.append(f"Message-ID: {message_id}")
    return "\n".join(lines) + separator + rest


_registered = threading.Lock()
_done = False


def register() -> None:
    """Make mailto:// and mailtos:// URLs use PooledEmail (once per process)."""
    global _done
    with _registered:
        if not _done:
            N_MGR.add(PooledEmail, force=True)
            _done = True


def close_idle() -> None:
    POOL.close_idle()
