"""``[metrics]`` in outreach.toml: snapshot ages and how much to ask per run."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import timedelta

from ..config import Settings, line_of
from ..errors import ConfigError
from ..i18n import _

DEFAULT_AGES = ("1h", "1d", "7d", "30d")
_AGE = re.compile(r"^(\d+)([hd])$")


def age_delta(label: str) -> timedelta:
    """"1h" -> 1 hour, "7d" -> 7 days."""
    match = _AGE.match(label)
    if not match:
        raise ValueError(label)
    n, unit = int(match.group(1)), match.group(2)
    return timedelta(hours=n) if unit == "h" else timedelta(days=n)


@dataclass(frozen=True)
class MetricsSettings:
    ages: tuple[str, ...] = DEFAULT_AGES
    per_channel: int = 200          # posts asked about per channel and run (quota)
    collect_minutes: int = 30       # the daemon's interval
    weekly_schedule: str = "weekend"   # the guide compared Thursday by Thursday
    weekly_age: str = "7d"             # the snapshot weeks are compared at (like with like)

    def deltas(self) -> list[tuple[str, timedelta]]:
        return sorted(((a, age_delta(a)) for a in self.ages), key=lambda p: p[1])


def metrics_settings(settings: Settings) -> MetricsSettings:
    raw = settings.section("metrics")
    where = dict(file=settings.file or "outreach.toml")

    def bad(key: str, message: str) -> ConfigError:
        text = settings.file.read_text(encoding="utf-8") if settings.file and settings.file.is_file() else ""
        return ConfigError(message, key=f"metrics.{key}", line=line_of(text, key, "metrics"), **where)

    unknown = set(raw) - {"ages", "per_channel", "collect_minutes", "weekly_schedule", "weekly_age"}
    if unknown:
        raise bad(sorted(unknown)[0], _("unknown setting; known: ages, per_channel, "
                                        "collect_minutes, weekly_schedule, weekly_age"))
    ages = raw.get("ages", list(DEFAULT_AGES))
    if not isinstance(ages, list) or not ages or not all(
            isinstance(a, str) and _AGE.match(a) for a in ages):
        raise bad("ages", _("expected a list of ages such as [\"1h\", \"1d\", \"7d\", \"30d\"]"))
    ints = {}
    for key, default in (("per_channel", 200), ("collect_minutes", 30)):
        value = raw.get(key, default)
        if not isinstance(value, int) or isinstance(value, bool) or value < 1:
            raise bad(key, _("expected a whole number of at least 1"))
        ints[key] = value
    weekly = raw.get("weekly_schedule", "weekend")
    weekly_age = raw.get("weekly_age", "7d" if "7d" in ages else ages[-1])
    if not isinstance(weekly, str) or not weekly:
        raise bad("weekly_schedule", _("expected the name of a schedule"))
    if weekly_age not in ages:
        raise bad("weekly_age", _("expected one of the ages in [metrics] ages"))
    return MetricsSettings(tuple(dict.fromkeys(ages)), weekly_schedule=weekly,
                           weekly_age=weekly_age, **ints)
