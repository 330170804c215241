"""One e-mail through the city's SMTP server (smtplib: the standard library is enough).

The password comes from the environment variable named by ``[smtp] password_env``
and is registered for redaction, so it never reaches a log line.
"""

from __future__ import annotations

import smtplib
import ssl
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from typing import Sequence

from ..config import Settings
from ..errors import OutreachError
from .settings import SmtpSettings


class MailError(OutreachError):
    """The SMTP server refused or could not be reached (retried later)."""


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


def send(settings: Settings, smtp: SmtpSettings, msg: EmailMessage) -> None:
    """Deliver ``msg``; MailError with the server's reason when it does not go. Once the
    server has accepted the message, an error ending the session (QUIT) is not a failure:
    reporting it would have the mail sent again."""
    password = (settings.secret(smtp.password_env, key="smtp.password_env")
                if smtp.password_env else None)
    accepted = False
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
            client.send_message(msg)
            accepted = True
    except (smtplib.SMTPException, OSError) as exc:
        if accepted:    # the server took the message; only ending the session failed
            return
        raise MailError(f"{smtp.host}:{smtp.port}: {exc}") from None
