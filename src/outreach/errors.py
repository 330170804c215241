"""Every error a user may see, in one tree.

The CLI prints ``str(error)`` as one line and exits with ``error.exit_code``;
the web app shows the same text. Anything that is *not* an ``OutreachError``
is a bug and may show a traceback.

    OutreachError                  user-facing; one line, exit status 2
    ├── ConfigError                outreach.toml, .env, environment (file, key)
    ├── TemplateError              a card template or its data cannot become a post
    │   ├── TemplateNotFound
    │   ├── DataError              missing / mistyped data field (file, field)
    │   ├── FontError              unknown font family, missing glyphs
    │   ├── ImageError             missing or corrupt image
    │   ├── TextOverflow           text does not fit its box even at min size
    │   └── TextLimitExceeded      a channel text is over that channel's limit
    ├── ScheduleError              schedules/*.yaml (file, line, key)
    ├── SourceError                a data source (file, feed, public API) failed
    ├── LedgerError                unknown occurrence / delivery id, bad state change
    │   └── StaleDraft             an approval names a draft revision that is no longer current
    ├── AlreadyRunning             a second daemon on the same database
    ├── InboxError                 unknown inbox item, bad inbox command
    ├── SurveyError                content/surveys/*.yaml (file, line, key), bad survey command
    ├── TopicError                 topic ranking: bad scope (quarter, survey), unknown group
    ├── UserError                  accounts, roles, departments, passwords
    │   └── SignInFailed           wrong name/password or too many tries (never says which)
    ├── PermissionDenied           the acting user's role does not allow this (web: 403)
    ├── NotFound                   no such page, file or object (web: 404)
    ├── StorageError               disk full, folder not writable (names the folder; exit 1)
    └── ChannelError               a platform answered; ``channel`` names which
        ├── AuthExpired            credentials invalid or expired: a person must act
        ├── Rejected               permanent refusal, ``reason`` is the platform's
        ├── Retryable              nothing was sent / "try later"; ``retry_after`` s
        └── UnknownOutcome         the request went out, no usable answer came back

Only ``Retryable`` may be retried blindly: after ``UnknownOutcome`` the post
may exist, so the publisher reconciles through ``Channel.find`` instead.
"""

from __future__ import annotations


class OutreachError(Exception):
    """Base of every user-facing error. ``str()`` is the one line shown."""

    exit_code: int = 2
    #: what a web page says instead, when ``message`` sends staff to a CLI command that
    #: means nothing in a browser (None: the web shows ``message`` too)
    web: str | None = None

    def __init__(self, message: str, *, web: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        if web is not None:
            self.web = web

    def __str__(self) -> str:
        return self.message

    def web_text(self) -> str:
        """What a web page shows: the ``web`` sentence when there is one, else the line."""
        return self.web or str(self)


def _where(file: object | None, line: int | None = None, key: str | None = None) -> str:
    """Format 'file:line: key: ' so every message starts with where to look."""
    parts = []
    if file is not None:
        parts.append(f"{file}:{line}" if line else str(file))
    if key:
        parts.append(str(key))
    return ": ".join(parts) + ": " if parts else ""


class ConfigError(OutreachError):
    """outreach.toml, .env or the environment is wrong."""

    def __init__(self, message: str, *, file: object | None = None, line: int | None = None,
                 key: str | None = None) -> None:
        super().__init__(_where(file, line, key) + message)
        self.file, self.line, self.key = file, line, key


class TemplateError(OutreachError):
    """A card template, its data or its texts cannot become a post."""

    def __init__(self, message: str, *, file: object | None = None, line: int | None = None,
                 key: str | None = None) -> None:
        super().__init__(_where(file, line, key) + message)
        self.file, self.line, self.key = file, line, key


class TemplateNotFound(TemplateError):
    pass


class DataError(TemplateError):
    pass


class FontError(TemplateError):
    pass


class ImageError(TemplateError):
    pass


class TextOverflow(TemplateError):
    pass


class TextLimitExceeded(TemplateError):
    pass


class ScheduleError(OutreachError):
    """A schedule file is wrong."""

    def __init__(self, message: str, *, file: object | None = None, line: int | None = None,
                 key: str | None = None) -> None:
        super().__init__(_where(file, line, key) + message)
        self.file, self.line, self.key = file, line, key


class SourceError(OutreachError):
    """A data source (file, feed, public API) could not be read."""


class LedgerError(OutreachError):
    """The publication ledger refuses a request (unknown id, wrong state)."""


class StaleDraft(LedgerError):
    """The draft was rendered again after the approver opened it: nothing was approved."""


class AlreadyRunning(OutreachError):
    """Another daemon already holds this database."""


class InboxError(OutreachError):
    """An inbox command cannot be carried out."""


class SurveyError(OutreachError):
    """A survey file is wrong, or a survey command cannot be carried out (unknown survey,
    closed survey, unknown theme)."""

    def __init__(self, message: str, *, file: object | None = None, line: int | None = None,
                 key: str | None = None) -> None:
        super().__init__(_where(file, line, key) + message)
        self.file, self.line, self.key = file, line, key


class TopicError(OutreachError):
    """A topic ranking command cannot be carried out (bad quarter, unknown survey, run or
    group, an edit that makes no sense such as merging a group into itself)."""


class UserError(OutreachError):
    """Accounts, roles, departments and passwords: unknown user, weak password, last admin."""


class SignInFailed(UserError):
    """Sign-in refused; the message never says whether the name exists."""


class PermissionDenied(OutreachError):
    """The acting user's role does not hold the permission an action needs."""


class NotFound(OutreachError):
    """No such page, file or object (the web app answers 404)."""
class StorageError(OutreachError):
    """The disk is full or a folder cannot be written: not the input's fault (exit 1)."""

    exit_code = 1

    def __init__(self, message: str, *, folder: object = None) -> None:
        super().__init__(message)
        self.folder = folder


class ChannelError(OutreachError):
    """A platform call failed. ``channel`` is the configured channel name.

    ``uploads``: remote ids of media the call uploaded before it failed (the
    publisher records them on the attempt, so orphans can be deleted later).
    """

    uploads: tuple[str, ...] = ()

    def __init__(self, message: str, *, channel: str = "") -> None:
        # joined with + so a stored message keeps its parts (outreach.i18n.Text)
        if not isinstance(message, str):
            message = str(message)
        super().__init__("channel " + str(channel) + ": " + message if channel else message)
        self.channel = channel
        self.detail = message


class AuthExpired(ChannelError):
    """Credentials are invalid, expired or revoked; retrying will not help."""


class Rejected(ChannelError):
    """The platform refused the request for good (bad content, missing permission)."""

    def __init__(self, message: str, *, channel: str = "", reason: str | None = None) -> None:
        super().__init__(message, channel=channel)
        self.reason = reason or message


class Retryable(ChannelError):
    """Nothing was published, or the platform asked us to come back later."""

    def __init__(self, message: str, *, channel: str = "", retry_after: float | None = None) -> None:
        super().__init__(message, channel=channel)
        self.retry_after = retry_after


class UnknownOutcome(ChannelError):
    """The request left us and we cannot tell whether the platform acted on it."""
