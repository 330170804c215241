"""A real local SMTP server (aiosmtpd) for the notification tests, with the account
``outreach`` / ``s3cret`` and recipients refused at RCPT TO on request.

One handler serves every test file: ``refuse_once`` (550 the first time an address is
offered), ``later`` (replies given in turn, then accepted), ``never`` (the reply it always
gets); every accepted message is kept with its recipients, every address offered too.
"""

from __future__ import annotations

import socket
import time
from email import message_from_bytes, policy
from typing import Iterator


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class MailServer:
    """aiosmtpd handler; ``port`` is set once it listens."""

    def __init__(self) -> None:
        self.port = 0
        self.messages: list[tuple[list[str], object]] = []
        self.offered: list[str] = []
        self.refuse_once: set[str] = set()
        self.refused: list[str] = []
        self.later: dict[str, list[str]] = {}
        self.never: dict[str, str] = {}
        self.slow = 0.0

    async def handle_RCPT(self, server, session, envelope, address, options):  # noqa: N802
        self.offered.append(address)
        if address in self.refuse_once:          # a full mailbox, say
            self.refuse_once.discard(address)
            self.refused.append(address)
            return "550 5.2.2 mailbox full"
        if address in self.never:
            return self.never[address]
        if self.later.get(address):
            return self.later[address].pop(0)
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd's name
        if self.slow:
            time.sleep(self.slow)      # holds the session open: another worker runs meanwhile
        self.messages.append((list(envelope.rcpt_tos),
                              message_from_bytes(envelope.content, policy=policy.default)))
        return "250 OK"

    def got(self, address: str) -> int:
        """How many mails ``address`` received."""
        return sum(address in to for to, _msg in self.messages)


def serve(handler: MailServer | None = None) -> Iterator[MailServer]:
    """Run ``handler`` on a free local port for the test (use as a fixture's body:
    ``yield from serve()``)."""
    from aiosmtpd.controller import Controller
    from aiosmtpd.smtp import AuthResult, LoginPassword

    def authenticator(server, session, envelope, mechanism, data):
        ok = isinstance(data, LoginPassword) and (data.login, data.password) == (b"outreach",
                                                                                  b"s3cret")
        return AuthResult(success=ok)

    handler = handler or MailServer()
    controller = Controller(handler, hostname="127.0.0.1", port=free_port(),
                            authenticator=authenticator, auth_require_tls=False,
                            auth_exclude_mechanism=["LOGIN"])
    controller.start()
    handler.port = controller.port
    try:
        yield handler
    finally:
        controller.stop()
