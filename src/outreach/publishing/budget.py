"""The cost and quota guard: what a run will cost, and a refusal before any platform call.

Why: some channels cost money per post (Kakao brand messages are paid per
recipient to the dealer) and every platform caps posts per rolling 24 hours
(Instagram 50, Threads 250). A city hall has a budget line, and a run that
would pass it, or a cap the platform would enforce halfway through a run, must
be refused up front with one line saying why, not discovered afterwards.

Each channel declares its price (``Channel.post_cost``) and its cap
(``Channel.post_quota``: the platform's figure or setting ``daily_posts``). The
budget is optional, in outreach.toml::

    [budget]
    daily_krw = 50000      # money per calendar day (the workspace's time zone)
    monthly_krw = 500000   # money per calendar month

Spending so far is counted from the ledger: posts recorded ``sent`` per
channel, priced at today's price (the ledger keeps no price per delivery), so
a price change applies to the whole day. Two processes starting runs in the
same instant may both pass; the platforms' own caps still hold.

``estimate`` returns plain data (``RunCost.as_dict``) for the CLI and the web
run page; ``guard`` raises ``BudgetExceeded``; ``refusal_for`` is what the
scheduled path asks before each delivery.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, replace
from datetime import timedelta
from typing import TYPE_CHECKING, Any, Callable, Sequence

from ..channels import channel_label
from ..config import line_of
from ..errors import ConfigError, OutreachError
from ..i18n import _

if TYPE_CHECKING:
    from .service import PublishingService

WINDOW = timedelta(hours=24)


class BudgetExceeded(OutreachError):
    """A run would pass the configured budget or a channel's daily post quota (exit 1:
    nothing is wrong with the input; a person must raise the budget or wait)."""

    exit_code = 1


@dataclass(frozen=True)
class ChannelCost:
    """One channel in a run: what it costs and how much of its daily quota is left."""

    channel: str
    type: str
    posts: int                   # posts this run sends there
    price_krw: float | None      # one post's price
    krw: float | None            # their price (None: unknown, a price setting is missing)
    note: str                    # how the price is made, e.g. "120 recipients × 20 KRW"
    quota: int | None            # posts allowed per rolling 24 hours (None: no known cap)
    used: int                    # posts recorded sent in the last 24 hours
    spent_today_krw: float | None
    spent_month_krw: float | None


@dataclass(frozen=True)
class RunCost:
    """What a run will cost, the budget, and the refusal if it would pass either limit."""

    channels: tuple[ChannelCost, ...]
    total_krw: float | None
    daily_budget_krw: float | None
    monthly_budget_krw: float | None
    spent_today_krw: float | None
    spent_month_krw: float | None
    refusal: str | None

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready plain data with stable English keys (for --json and the web page)."""
        return {**asdict(self), "channels": [asdict(c) for c in self.channels]}


def budgets(service: "PublishingService") -> tuple[float | None, float | None]:
    """(daily_krw, monthly_krw) from ``[budget]``; each None when not set."""
    section = service.settings.section("budget")
    out: list[float | None] = []
    for key in ("daily_krw", "monthly_krw"):
        value = section.get(key)
        if value is None:
            out.append(None)
            continue
        if isinstance(value, bool) or not isinstance(value, (int, float)) or value < 0:
            file = service.settings.file
            line = line_of(file.read_text(encoding="utf-8"), key, "budget") if file else None
            raise ConfigError(f"expected an amount in KRW (0 or more), got {value!r}",
                              file=file or "outreach.toml", line=line, key=f"budget.{key}")
        out.append(float(value))
    return out[0], out[1]


def channel_cost(service: "PublishingService", name: str, posts: int = 1) -> ChannelCost | None:
    """The price and quota use of channel ``name``; None when it cannot be opened (its
    own error is reported when it publishes)."""
    try:
        channel = service.channel(name)
        price = channel.post_cost()
        quota = channel.post_quota()
    except OutreachError:
        return None
    now = service.clock()
    tz = service.settings.timezone
    local = now.astimezone(tz)
    day = local.replace(hour=0, minute=0, second=0, microsecond=0)
    month = day.replace(day=1)
    sent = service.ledger.sent_times(name, min(now - WINDOW, month.astimezone(now.tzinfo)))
    used = sum(1 for t in sent if t > now - WINDOW)
    today = sum(1 for t in sent if t.astimezone(tz) >= day)
    this_month = sum(1 for t in sent if t.astimezone(tz) >= month)
    per = price.krw
    return ChannelCost(channel=name, type=channel.type, posts=posts, price_krw=per,
                       krw=None if per is None else per * posts, note=price.note, quota=quota,
                       used=used, spent_today_krw=None if per is None else per * today,
                       spent_month_krw=None if per is None else per * this_month)


def _sum(values: Sequence[float | None]) -> float | None:
    return None if any(v is None for v in values) else float(sum(v for v in values if v is not None))


def krw(amount: float | None) -> str:
    return "?" if amount is None else f"{amount:,.0f} KRW"


def estimate(service: "PublishingService", names: Sequence[str], *, posts: int = 1) -> RunCost:
    """What sending ``posts`` post(s) to each channel in ``names`` costs, and whether the
    budget and quotas allow it. Makes no platform call (a paid channel may read a file)."""
    daily, monthly = budgets(service)
    lines = tuple(c for c in (channel_cost(service, n, posts) for n in names) if c is not None)
    total = _sum([c.krw for c in lines])
    today = _sum([c.spent_today_krw for c in lines])
    month = _sum([c.spent_month_krw for c in lines])
    return RunCost(channels=lines, total_krw=total, daily_budget_krw=daily,
                   monthly_budget_krw=monthly, spent_today_krw=today, spent_month_krw=month,
                   refusal=_refusal(lines, total, daily, monthly, today, month,
                                    lambda code: channel_label(code, service.settings)))


def _joined(parts: Sequence[str], separator: str) -> str:
    """``separator.join(parts)`` with ``+``, so stored texts (i18n.Text) stay translatable."""
    out = ""
    for i, part in enumerate(parts):
        out = part if i == 0 else out + separator + part
    return out


def _refusal(lines: Sequence[ChannelCost], total: float | None, daily: float | None,
             monthly: float | None, today: float | None, month: float | None,
             name: Callable[[str], str] = str) -> str | None:
    """Why the run must not go out, or None. ``name`` names a channel as staff read it
    (its platform: outreach.channels.channel_label); inside ``recording()`` it is a message
    too, so a stored refusal names the platform in the reader's language."""
    for c in lines:
        if c.quota is not None and c.used + c.posts > c.quota:
            return _("{channel}: {used} posts in the last 24 hours and the platform allows "
                     "{quota}; wait until earlier posts leave the 24-hour window",
                     channel=name(c.channel), used=c.used, quota=c.quota)
    if daily is None and monthly is None:
        return None
    unknown = [c for c in lines if c.krw is None]
    if unknown:
        return _("{channel}: the price per post is not known ({note}), so the budget cannot be "
                 "checked", channel=name(unknown[0].channel), note=unknown[0].note)
    assert total is not None
    paid = _joined([name(c.channel) + ": " + (c.note or krw(c.krw)) for c in lines if c.krw],
                   "; ")
    if daily is not None and (today or 0) + total > daily:
        return _("this run costs {cost} ({paid}) and {spent} of the {budget} daily budget are "
                 "spent: raise [budget] daily_krw or wait until tomorrow",
                 cost=krw(total), paid=paid, spent=krw(today or 0), budget=krw(daily))
    if monthly is not None and (month or 0) + total > monthly:
        return _("this run costs {cost} ({paid}) and {spent} of the {budget} monthly budget are "
                 "spent: raise [budget] monthly_krw or wait until next month",
                 cost=krw(total), paid=paid, spent=krw(month or 0), budget=krw(monthly))
    return None


def guard(service: "PublishingService", names: Sequence[str]) -> RunCost:
    """The run's cost; ``BudgetExceeded`` (one line) when it would pass a limit."""
    cost = estimate(service, names)
    if cost.refusal:
        raise BudgetExceeded(_("refused before any call: {why}", why=cost.refusal))
    return cost


def refusal_for(service: "PublishingService", name: str) -> str | None:
    """Before one scheduled delivery to ``name``: why it must not go out, or None.
    Without a budget, a channel with no quota costs nothing to check (no ledger read)."""
    daily, monthly = budgets(service)
    if daily is None and monthly is None:
        try:
            if service.channel(name).post_quota() is None:
                return None
        except OutreachError:
            return None
    return estimate(service, [name]).refusal


def channel_line(c: ChannelCost) -> str | None:
    """One channel's price and quota use in words, or None for a free channel with no cap."""
    parts = []
    if c.price_krw is None:
        parts.append(_("price unknown: {note}", note=c.note))
    elif c.price_krw:
        parts.append(_("{price} a post ({note})", price=krw(c.price_krw), note=c.note or "-"))
    if c.quota is not None:
        parts.append(_("{used} of {quota} posts in the last 24 hours", used=c.used, quota=c.quota))
    return ", ".join(parts) or None


def summary_lines(cost: RunCost, name: Callable[[str], str] = str) -> list[str]:
    """Human lines for ``publish --dry-run`` and ``status``: the run's cost (or today's
    spending) against the budget, then each paid or capped channel (``name``: how a channel
    is written; the CLI writes the name staff type, a page its platform's name)."""
    lines = [f"  {name(c.channel):<14} {line}" for c in cost.channels
             if (line := channel_line(c))]
    if any(c.posts for c in cost.channels):
        head = _("cost of this run: {cost}", cost=krw(cost.total_krw))
    else:
        head = _("spent today: {cost}", cost=krw(cost.spent_today_krw))
    if cost.daily_budget_krw is not None:
        head += _("; today {spent} of the {budget} daily budget", spent=krw(cost.spent_today_krw),
                  budget=krw(cost.daily_budget_krw))
    if cost.monthly_budget_krw is not None:
        head += _("; this month {spent} of the {budget} monthly budget",
                  spent=krw(cost.spent_month_krw), budget=krw(cost.monthly_budget_krw))
    return [head, *lines]


def worth_showing(cost: RunCost) -> bool:
    """A budget is set, or some channel costs money or has a daily cap."""
    return cost.daily_budget_krw is not None or cost.monthly_budget_krw is not None or \
        any(channel_line(c) for c in cost.channels)


def today(service: "PublishingService", names: Sequence[str] | None = None) -> RunCost:
    """Spending and quota use so far for every enabled channel (``posts`` = 0): what
    ``outreach status`` shows. ``refusal`` is always None here."""
    chosen = names or [n for n, c in service.settings.channels.items() if c.enabled]
    return replace(estimate(service, chosen, posts=0), refusal=None)
