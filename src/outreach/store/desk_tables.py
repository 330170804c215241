"""Tables of the publishing desk: notifications sent once per event, the mail of each
recipient group (language) of a notice, the addresses the SMTP server refused, stored
channel checks.

The migrations ``0004_oneoff_notify``, ``0016_notify_groups``, ``0017_notify_refusals`` and
``0018_notify_retries_apart`` create exactly these; change them together.
"""

from __future__ import annotations

from sqlalchemy import (Boolean, CheckConstraint, Column, Integer, String, Table, Text,
                        UniqueConstraint)

from .ledger_tables import UTCDateTime
from .schema import metadata

notification = Table(
    "notification", metadata,
    Column("id", Integer, primary_key=True),
    Column("key", String(300), nullable=False),       # the event: e.g. draft_ready:42
    Column("kind", String(40), nullable=False),
    Column("roles", String(200), nullable=False),     # comma-separated roles that can act
    Column("subject", Text, nullable=False),
    Column("body", Text, nullable=False),
    Column("link", String(1000)),
    Column("state", String(20), nullable=False, index=True),   # pending, sent, failed, nobody
    Column("recipients", Text),                       # comma-separated addresses, once sent
    Column("attempts", Integer, nullable=False, default=0),
    Column("next_attempt_at", UTCDateTime),
    Column("error", Text),
    Column("created_at", UTCDateTime, nullable=False),
    Column("sent_at", UTCDateTime),
    UniqueConstraint("key", name="uq_notification_key"),
)

# One mail per (notice, recipient group): a notice is ``notification:<id>`` or
# ``overdue:<item>:<deadline>``, a group the language its recipients read. The primary key
# and the state make each group's mail go at most once (outreach.store.notify).
notify_group = Table(
    "notify_groups", metadata,
    Column("notice", String(300), primary_key=True),
    Column("language", String(16), primary_key=True),
    Column("state", String(16), nullable=False),      # sending, sent, failed, unknown
    Column("recipients", Text, nullable=False),       # comma-separated, as last claimed
    Column("lease_until", UTCDateTime),               # a sending claim's end
    Column("next_attempt_at", UTCDateTime),           # a failed group's retry time
    Column("sent_at", UTCDateTime),
    Column("error", Text),
    CheckConstraint("state IN ('sending','sent','failed','unknown')", name="state"),
)

# An address the SMTP server refused at RCPT TO while it accepted the group's mail for the
# others (smtplib's send_message returns those). A temporary refusal (4xx) is ``deferred``
# and tried again alone (claimed ``sending`` with a lease, like a group); a permanent one
# (5xx) is ``refused``; a deferred one still refused after MAX_ATTEMPTS tries ``failed``;
# one left ``sending`` by a dead pass ``unknown`` (never mailed again); a deferred one that
# is no longer a recipient of the notice at its retry time ``dropped`` (never mailed).
# ``attempts`` counts this address's tries only (the notification's own count is its
# groups' tries). ``next_attempt_at``
# is the retry time (deferred) or the lease's end (sending); ``code`` and ``reply`` the
# server's last answer (secrets redacted).
notify_refusal = Table(
    "notify_refusals", metadata,
    Column("notice", String(300), primary_key=True),
    Column("address", String(320), primary_key=True),
    Column("language", String(16), nullable=False),   # the group it was refused in
    Column("state", String(16), nullable=False),
    Column("code", Integer),
    Column("reply", Text),
    Column("attempts", Integer, nullable=False),      # tries of this address, the first too
    Column("next_attempt_at", UTCDateTime),
    Column("refused_at", UTCDateTime, nullable=False),
    Column("sent_at", UTCDateTime),
    CheckConstraint("state IN ('deferred','sending','sent','refused','failed','unknown',"
                    "'dropped')", name="state"),
)

channel_check = Table(
    "channel_check", metadata,
    Column("channel", String(100), primary_key=True),
    Column("checked_at", UTCDateTime, nullable=False),
    Column("ok", Boolean, nullable=False),
    Column("results_json", Text, nullable=False),     # [{"ok", "what", "fix", "expires_at"}]
    Column("expires_at", UTCDateTime),                # earliest credential expiry seen
)
