"""Certified dealers (공식 딜러사) that send Kakao brand messages (브랜드 메시지).

Kakao sells brand messages to channel followers only through dealers, each
with its own REST API. The dealer is a setting (``dealer = "solapi"``); adding
one means one more module here with a class that has the ``Dealer`` shape and
one line in ``DEALERS``.

Every message is paid for and lands on citizens' phones, so a dealer must be
able to say whether a send for a delivery key already happened (``find``) and
must never send a second time for the same key (``send`` looks first).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from importlib import import_module
from typing import TYPE_CHECKING, Any, Protocol, Sequence
from ...i18n import _

if TYPE_CHECKING:
    from ...model import CheckResult
    from ..base import ChannelContext

DEALERS = {"solapi": "outreach.channels.kakao_dealers.solapi:SolapiDealer"}


@dataclass(frozen=True)
class BrandMessage:
    """One text brand message to many phone numbers (targeting: channel followers)."""

    text: str
    recipients: Sequence[str]
    buttons: Sequence[dict[str, str]] = ()      # {"name", "url"}
    extra: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class DealerReceipt:
    """A message group the dealer took: how many it accepted, which it refused."""

    group_id: str
    accepted: int
    failed: list[dict[str, Any]]
    status: str = ""
    already: bool = False          # found from an earlier attempt; nothing was sent now
    note: str = ""                 # something staff should know (an error after the send)


class Dealer(Protocol):
    name: str

    def send(self, message: BrandMessage, key: str) -> DealerReceipt: ...

    def find(self, key: str) -> DealerReceipt | None: ...

    def check(self) -> "list[CheckResult]": ...

    def close(self) -> None: ...


def open_dealer(ctx: "ChannelContext") -> Dealer:
    """The dealer named by the channel's ``dealer`` setting."""
    from ...errors import ConfigError

    name = ctx.setting("dealer", "solapi", type_=str)
    if name not in DEALERS:
        raise ConfigError(_("unknown brand-message dealer {name!r}; known: {dealers}", name=name,
                            dealers=', '.join(DEALERS)),
                          file=ctx.config_file or "outreach.toml", key=f"channels.{ctx.name}.dealer")
    module, _sep, attr = DEALERS[name].partition(":")
    return getattr(import_module(module), attr)(ctx)
