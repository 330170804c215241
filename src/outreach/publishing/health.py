"""Channel checks, run by the daemon's job or ``outreach channels check`` and stored.

The channels page and the token-expiry notification read the stored results: a
browser request never waits on a platform. Each check opens the channel, asks
it (credentials, permissions, quota, token expiry) and keeps the earliest
expiry it reported.
"""

from __future__ import annotations

from datetime import datetime
from typing import Callable, Sequence

from ..config import Settings
from ..errors import ChannelError, ConfigError, OutreachError
from ..i18n import _, recorded
from ..model import CheckResult, utc_now
from ..store.db import Database
from ..store.notify import NotificationStore


def check_channel(settings: Settings, name: str) -> list[CheckResult]:
    """One channel's check results; configuration and platform errors become results."""
    from ..channels import open_channel

    channel = None
    try:
        channel = open_channel(settings, name)
        return channel.check()
    except ConfigError as exc:
        return [CheckResult(False, str(exc), fix=_("fix outreach.toml or the environment"))]
    except ChannelError as exc:
        return [CheckResult(False, exc.detail, fix=_("see the message; try again later"))]
    except OutreachError as exc:
        return [CheckResult(False, str(exc))]
    finally:
        if channel is not None:
            channel.close()


@recorded   # stored checks read in the reader's language later (i18n.Text)
def check_channels(settings: Settings, db: Database | None, names: Sequence[str] | None = None,
                   *, clock: Callable[[], datetime] = utc_now) -> dict[str, list[CheckResult]]:
    """Check ``names`` (default: every enabled channel) and store the results when ``db``."""
    names = list(names or [n for n, c in settings.channels.items() if c.enabled])
    report = {name: check_channel(settings, name) for name in names}
    if db is not None:
        store = NotificationStore(db)
        for name, results in report.items():
            expiries = [r.expires_at for r in results if r.expires_at is not None]
            store.save_check(name, [as_dict(r) for r in results], clock(),
                             min(expiries) if expiries else None)
    return report


def as_dict(result: CheckResult) -> dict:
    return {"ok": result.ok, "what": result.what, "fix": result.fix,
            "expires_at": result.expires_at.isoformat() if result.expires_at else None}
