"""One e-mail through the city's SMTP server (smtplib: the standard library is enough).

The password comes from the environment variable named by ``[smtp] password_env``
and is registered for redaction, so it never reaches a log line.
"""

from __future__ import annotations

import smtplib
import ssl
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from typing import Mapping, Sequence

from ..config import Settings
from ..errors import OutreachError
from .settings import SmtpSettings


#: the addresses the server refused while it took the message for the others:
#: address -> (SMTP code, the server's reply)
Refused = Mapping[str, "tuple[int, str]"]


class MailError(OutreachError):
    """The SMTP server refused or could not be reached (retried later). ``refused``: when
    the server refused every recipient at RCPT TO, its answer for each (else empty)."""

    def __init__(self, message: str, refused: "Refused | None" = None) -> None:
        super().__init__(message)
        self.refused = dict(refused or {})


def _replies(found: Mapping) -> dict[str, tuple[int, str]]:
    """smtplib's {address: (code, bytes)} as {address: (code, text)}."""
    return {address: (int(code), reply.decode("utf-8", "replace")
                      if isinstance(reply, bytes) else str(reply))
            for address, (code, reply) in found.items()}


def build(smtp: SmtpSettings, to: Sequence[str], subject: str, body: str,
          link: str | None) -> EmailMessage:
    msg = EmailMessage()
    msg["From"] = smtp.sender
    msg["To"] = ", ".join(to)
    msg["Subject"] = subject
    msg["Date"] = formatdate(localtime=True)
    msg["Message-ID"] = make_msgid(domain=smtp.sender.rsplit("@", 1)[-1].strip("> ") or None)
    msg.set_content(body + (f"\n\n{link}\n" if link else "\n"))
    return msg


def send(settings: Settings, smtp: SmtpSettings,
         msg: EmailMessage) -> dict[str, tuple[int, str]]:
    """Deliver ``msg``; MailError with the server's reason when it does not go. Once the
    server has accepted the message, an error ending the session (QUIT) is not a failure:
    reporting it would have the mail sent again. Returns the recipients the server refused
    while it accepted the message for the others (address -> (code, reply); usually empty):
    they did not get it."""
    password = (settings.secret(smtp.password_env, key="smtp.password_env")
                if smtp.password_env else None)
    accepted = False
    refused: dict[str, tuple[int, str]] = {}
    try:
        if smtp.security == "ssl":
            client: smtplib.SMTP = smtplib.SMTP_SSL(smtp.host, smtp.port, timeout=smtp.timeout,
                                                    context=ssl.create_default_context())
        else:
            client = smtplib.SMTP(smtp.host, smtp.port, timeout=smtp.timeout)
        with client:
            if smtp.security == "starttls":
                client.starttls(context=ssl.create_default_context())
            if smtp.username:
                client.login(smtp.username, password or "")
            refused = _replies(client.send_message(msg))
            accepted = True
    except (smtplib.SMTPException, OSError) as exc:
        if accepted:    # the server took the message; only ending the session failed
            return refused
        raise MailError(f"{smtp.host}:{smtp.port}: {exc}", _replies(
            exc.recipients if isinstance(exc, smtplib.SMTPRecipientsRefused) else {})
            ) from None
    return refused
