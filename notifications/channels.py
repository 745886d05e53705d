"""Delivery through apprise: our code decides what and to whom, apprise decides how.

Routing: an apprise configuration file (YAML or text, `KREISLAUF_NOTIFY_CONFIG`) whose URLs
carry tags; a message goes to every URL tagged with one of its tags (its body, department,
role, recipient). Personal e-mail: `KREISLAUF_EMAIL_URL` is a mailto/mailtos URL without a
recipient; each message adds its recipient's address. Each channel is delivered once: a retry
goes only to the channels that failed. URLs are only shown in apprise's privacy mode, so
passwords and tokens never reach logs, CLI output or the audit trail.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType
from typing import TYPE_CHECKING

from config.settings import Settings
from models.errors import KreislaufError

if TYPE_CHECKING:
    from apprise import NotifyBase


class DeliveryError(Exception):
    """Some channels failed; `failed` names them (privacy URLs), `delivered` the others."""

    def __init__(self, message: str, *, delivered: list[str]) -> None:
        super().__init__(message)
        self.delivered = delivered


@dataclass(frozen=True)
class Outgoing:
    subject: str
    text: str
    html: str | None
    address: str | None
    tags: tuple[str, ...] = ()
    attachments: tuple[tuple[str, bytes, str], ...] = field(default=())  # name, data, mime
    # the left part of the e-mail's Message-ID, the same for every attempt (the right part is
    # the sender's domain): mail systems and people recognise a message sent again
    message_id: str | None = None


class Channels:
    """The configured channels; `deliver` sends one message to each of its channels."""

    def __init__(self, *, config_path: Path | None = None, email_url: str | None = None) -> None:
        import mimetypes

        import apprise
        from apprise.plugins import url_to_dict

        # apprise checks attachment types against mimetypes' map, which initialises lazily;
        # do it now, before the dispatcher's threads race to do it
        mimetypes.init()
        from notifications import smtp_pool

        smtp_pool.register()  # e-mail over reused connections, still apprise's plugin
        self._apprise = apprise
        # one channel per call, sent in the calling thread: the dispatcher has threads of its
        # own, and apprise would start a thread pool for every message
        self._asset = apprise.AppriseAsset(async_mode=False)
        self.email_url = email_url
        self.config_path = config_path  # with email_url: what a dispatcher process needs
        self._config = None
        if config_path is not None:
            config = apprise.AppriseConfig(asset=self._asset)
            if not Path(config_path).is_file() or not config.add(str(config_path)):
                raise KreislaufError(
                    f"KREISLAUF_NOTIFY_CONFIG: {config_path} ist keine lesbare "
                    "apprise-Konfiguration (YAML oder Text)."
                )
            # read it now: apprise reads a configuration lazily, and dispatcher threads that
            # race to do so can see it half read (no channels)
            config.services()
            self._config = config
        if email_url and not apprise.Apprise(asset=self._asset).add(email_url):
            raise KreislaufError(
                "KREISLAUF_EMAIL_URL ist keine gültige apprise-URL "
                "(z. B. mailtos://benutzer:passwort@smtp.example.org?from=...)."
            )
        self._email_fields = url_to_dict(email_url) if email_url else None

    def describe(self) -> list[str]:
        """Every configured channel, secrets hidden."""
        shown = []
        if self.email_url:
            shown.append("E-Mail an die Empfänger: " + _private(self._apprise, self.email_url))
        if self._config is not None:
            notifier = self._apprise.Apprise()
            notifier.add(self._config)
            shown += [
                f"{server.url(privacy=True)} (Tags: {', '.join(sorted(map(str, server.tags)))})"
                for server in notifier
            ]
        return shown

    def targets(self, message: Outgoing) -> list[tuple[str, NotifyBase, bool]]:
        """(channel id, apprise server, is personal e-mail) for a message."""
        found: list[tuple[str, NotifyBase, bool]] = []
        if self._email_fields is not None and message.address:
            # the URL with this recipient as `to`, without parsing the URL for every message
            fields = {**copy.deepcopy(self._email_fields), "targets": [message.address]}
            if message.message_id:
                fields["headers"] = {**fields.get("headers", {}), "Message-ID": message.message_id}
            server = self._apprise.Apprise.instantiate(fields, asset=self._asset)
            if server is not None:
                found.append((f"email:{message.address}", server, True))
        if self._config is not None and message.tags:
            notifier = self._apprise.Apprise(asset=self._asset)
            notifier.add(self._config)
            found += [
                (server.url(privacy=True), server, False)
                for server in notifier.find(tag=list(message.tags))
            ]
        return found

    def deliver(self, message: Outgoing, *, skip: frozenset[str] = frozenset()) -> list[str]:
        """Send to every channel not in `skip`; returns the channel ids delivered. Raises
        DeliveryError naming the failed ones (and carrying those that worked)."""
        targets = self.targets(message)
        if not targets:
            raise DeliveryError(
                "kein Kanal für diese Nachricht (KREISLAUF_EMAIL_URL oder "
                "passende Tags in KREISLAUF_NOTIFY_CONFIG)",
                delivered=[],
            )
        delivered, failed = [], []
        for channel, server, personal in targets:
            if channel in skip:
                continue
            if self._send(server, message, html=personal):
                delivered.append(channel)
            else:
                failed.append(channel if personal else server.url(privacy=True))
        if failed:
            raise DeliveryError("nicht zugestellt an: " + "; ".join(failed), delivered=delivered)
        return delivered

    def close(self) -> None:
        """End the connections kept open for the next message."""
        from notifications import smtp_pool

        smtp_pool.close_idle()

    def _send(self, server: NotifyBase, message: Outgoing, *, html: bool) -> bool:
        from apprise.attachment.memory import AttachMemory

        apprise = self._apprise
        notifier = apprise.Apprise(asset=self._asset)
        notifier.add(server)
        attach = apprise.AppriseAttachment()
        for name, data, mimetype in message.attachments:
            attach.add(AttachMemory(content=data, name=name, mimetype=mimetype))
        use_html = html and message.html is not None
        try:
            return bool(
                notifier.notify(
                    body=message.html if use_html else message.text,
                    title=message.subject,
                    body_format=apprise.NotifyFormat.HTML
                    if use_html
                    else apprise.NotifyFormat.TEXT,
                    attach=attach if len(attach) else None,
                )
            )
        except Exception:  # a channel's own failure is data, not a crash of the dispatcher
            return False


def _private(apprise: ModuleType, url: str) -> str:
    notifier = apprise.Apprise()
    notifier.add(url)
    return next((server.url(privacy=True) for server in notifier), "(ungültig)")


def channels_from(settings: Settings) -> Channels:
    """The configured delivery channels (imports apprise: only commands that send call it)."""
    return Channels(config_path=settings.notify_config, email_url=settings.email_url)
