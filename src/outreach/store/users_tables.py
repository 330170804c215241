"""Identity tables: accounts, departments, memberships, sessions, sign-in throttles, audit log.

Sessions are server-side: the browser's cookie holds a random token and the
row holds only its SHA-256, so a copy of the database cannot sign anyone in.
The audit log is written by every mutating service, from the web and the CLI,
inside the caller's transaction (``outreach.users.audit.record``).
"""

from __future__ import annotations

from sqlalchemy import Boolean, Column, DateTime, ForeignKey, Index, Integer, String, Table, Text

from .schema import metadata

departments = Table(
    "departments", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("name", String(128), nullable=False, unique=True),
    Column("created_at", DateTime, nullable=False),
)

users = Table(
    "users", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("name", String(64), nullable=False, unique=True),       # sign-in name, lower case
    Column("display_name", String(128), nullable=False, default=""),
    Column("email", String(255)),
    Column("password_hash", String(255), nullable=False),           # argon2id, PHC string
    Column("role", String(16), nullable=False),
    Column("language", String(8)),                                  # None: the workspace's
    Column("disabled", Boolean, nullable=False, default=False),
    Column("created_at", DateTime, nullable=False),
    Column("password_changed_at", DateTime, nullable=False),
)

memberships = Table(
    "memberships", metadata,
    Column("user_id", Integer, ForeignKey("users.id", ondelete="CASCADE"), primary_key=True),
    Column("department_id", Integer, ForeignKey("departments.id", ondelete="CASCADE"),
           primary_key=True),
)
Index("ix_memberships_department", memberships.c.department_id)

sessions = Table(
    "sessions", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("token_hash", String(64), nullable=False, unique=True),  # sha256 hex of the cookie
    Column("user_id", Integer, ForeignKey("users.id", ondelete="CASCADE"), nullable=False),
    Column("csrf_token", String(64), nullable=False),
    Column("created_at", DateTime, nullable=False),
    Column("last_seen_at", DateTime, nullable=False),
    Column("expires_at", DateTime, nullable=False),                 # absolute time-out
    Column("revoked_at", DateTime),
    Column("ip", String(64)),
    Column("user_agent", String(255)),
    Column("flash", Text),                                          # JSON list, shown once
)
Index("ix_sessions_user", sessions.c.user_id)

sign_in_attempts = Table(
    "sign_in_attempts", metadata,
    Column("key", String(160), primary_key=True),                   # "name:kim" or "ip:10.0.0.7"
    Column("failures", Integer, nullable=False, default=0),
    Column("last_failure_at", DateTime, nullable=False),
    Column("locked_until", DateTime),
)

audit_log = Table(
    "audit_log", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("at", DateTime, nullable=False),                         # UTC, naive
    Column("actor_name", String(128), nullable=False),
    Column("actor_user_id", Integer),                               # None: CLI / system
    Column("actor_role", String(16)),
    Column("via", String(8), nullable=False),                       # web, cli, system
    Column("self_declared", Boolean, nullable=False, default=False),
    Column("action", String(64), nullable=False),                   # "user.add", "post.approve"
    Column("target_type", String(32), nullable=False, default=""),
    Column("target_id", String(128), nullable=False, default=""),
    Column("detail", Text, nullable=False, default="{}"),           # JSON object
)
Index("ix_audit_log_at", audit_log.c.at, audit_log.c.id)
Index("ix_audit_log_target", audit_log.c.target_type, audit_log.c.target_id)
Index("ix_audit_log_actor", audit_log.c.actor_name, audit_log.c.id)
Index("ix_audit_log_action", audit_log.c.action, audit_log.c.id)
