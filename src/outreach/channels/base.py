"""The one interface every channel implements, and the context it is built from.

A channel speaks HTTP to one platform (or writes files, for outbox and hand-off)
and never touches the database: the publisher records what it returns. Failures
are raised as ``ChannelError`` children (see ``outreach.errors``) so the
publisher knows whether a post may already exist.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable, ClassVar, Iterable, Mapping
from zoneinfo import ZoneInfo

from ..errors import ConfigError, Rejected
from ..model import Capability, CheckResult, Limits, Receipt, RenderedPost, Reply, ReplyBatch
from ..i18n import _


@dataclass(frozen=True)
class PostCost:
    """What one post on a channel costs in money (KRW), and how that figure is made.

    ``krw`` is None when the price is not known (a price setting is missing): a run
    under a budget is then refused rather than guessed.
    """

    krw: float | None
    note: str = ""


@dataclass(frozen=True)
class ChannelContext:
    """What a channel is built from: its ``[channels.NAME]`` table and the workspace."""

    name: str
    type: str
    settings: Mapping[str, Any]
    secret: Callable[[str], str]      # env-var-name setting key -> secret value (ConfigError if unset)
    var_dir: Path                     # runtime state: outbox / hand-off folders live below it
    timezone: ZoneInfo
    config_file: Path | None = None

    def setting(self, key: str, default: Any = None, *, type_: type | tuple[type, ...] | None = None,
                required: bool = False) -> Any:
        """One setting, type-checked, with an error that names file and key."""
        if key not in self.settings:
            if required:
                raise ConfigError(_("missing setting"), file=self.config_file or "outreach.toml",
                                  key=f"channels.{self.name}.{key}")
            return default
        value = self.settings[key]
        if type_ is not None and not isinstance(value, type_):
            names = type_.__name__ if isinstance(type_, type) else " or ".join(t.__name__ for t in type_)
            raise ConfigError(_("expected {names}, got {value!r}", names=names, value=value),
                              file=self.config_file or "outreach.toml",
                              key=f"channels.{self.name}.{key}")
        return value


class Channel(ABC):
    """One configured channel. Subclasses declare metadata as class attributes."""

    type: ClassVar[str]
    #: the platform's name as staff read it (an English message id, shown through the
    #: catalog: "Kakao Talk Channel" -> 카카오톡 채널); see ``outreach.channels.channel_label``
    display_name: ClassVar[str] = ""
    description: ClassVar[str] = ""
    capabilities: ClassVar[frozenset[Capability]] = frozenset()
    limits: ClassVar[Limits] = Limits()
    text_name: ClassVar[str] = "facebook"   # which RenderedPost.texts entry it posts by default
    #: posts the platform accepts per rolling 24 hours (documented figure; None: no known cap).
    #: Setting ``daily_posts`` lowers or raises it (e.g. a city's own rule).
    daily_posts: ClassVar[int | None] = None

    def __init__(self, ctx: ChannelContext) -> None:
        self.ctx = ctx
        self.name = ctx.name

    # -- publishing -------------------------------------------------------
    @abstractmethod
    def publish(self, post: RenderedPost, key: str) -> Receipt:
        """Publish ``post``; ``key`` is the delivery's idempotency key (stable across retries)."""

    def find(self, key: str) -> Receipt | None:
        """After a crash: the post made earlier for ``key``, or None if none exists.

        Channels that cannot look posts up do not override this and do not
        declare ``Capability.FIND``; the publisher then marks the delivery unknown.
        """
        return None

    def text_for(self, post: RenderedPost) -> str:
        """The text this channel posts: setting ``text`` or the class default."""
        name = self.ctx.setting("text", self.text_name, type_=str)
        if name not in post.texts:
            raise Rejected(_("template {template} has no {name!r} text (it has: {texts})",
                             template=post.template, name=name,
                             texts=', '.join(sorted(post.texts)) or 'none'), channel=self.name)
        return post.texts[name]

    def discard_uploads(self, key: str, uploads: Iterable[str]) -> list[str]:
        """Delete media uploaded for ``key`` by attempts that never made their post
        (``uploads``: the ids the ledger recorded). Returns the ids deleted; channels
        that upload nothing separately keep this default."""
        return []

    def confirmations(self, pending: Mapping[str, str]) -> dict[str, Receipt]:
        """Hand-off channels that can *see* what staff posted (Naver Blog RSS):
        given {delivery key: post title} still awaiting hand-off, the receipts of
        those that have appeared. Others return {}."""
        return {}

    # -- cost and quota ---------------------------------------------------
    def post_cost(self) -> PostCost:
        """Money one post costs here. Free platforms keep this default; paid ones
        (Kakao brand messages: per recipient, through the dealer) override it."""
        return PostCost(0.0)

    def post_quota(self) -> int | None:
        """Posts allowed per rolling 24 hours: setting ``daily_posts`` or the platform's figure."""
        value = self.ctx.setting("daily_posts", self.daily_posts, type_=(int, type(None)))
        return None if value is None else int(value)

    # -- conversation -----------------------------------------------------
    def replies(self, cursor: str | None) -> ReplyBatch:
        """Comments and messages newer than ``cursor`` (None: the channel's own starting point)."""
        raise Rejected(_("this channel cannot read replies"), channel=self.name)

    def reply(self, to: Reply, text: str, key: str) -> Receipt:
        """Answer ``to`` on the platform; ``key`` makes a retried answer go out once."""
        raise Rejected(_("this channel cannot send answers; answer by hand and record it"),
                       channel=self.name)

    def find_reply(self, to: Reply, text: str, key: str) -> Receipt | None:
        """Our own earlier answer ``text`` to ``to``, if it is on the platform.

        Asked before an answer whose outcome was unknown is sent again.
        Channels whose ``reply`` already looks first (or that cannot look)
        keep this default: None, "not found here".
        """
        return None

    def hide(self, to: Reply) -> None:
        """Hide or reject ``to`` on the platform where the platform allows it."""
        raise Rejected(_("this platform does not let outreach hide messages"), channel=self.name)

    # -- analytics --------------------------------------------------------
    def metrics(self, target: "MetricTarget", now: datetime) -> "list[Figure]":
        """Figures of one delivered post as the platform reports them. Channels without
        an insights API keep this default: nothing, and the service records why."""
        return []

    def followers(self) -> "Figure | None":
        """The page's or account's follower count today, or None where there is none to read."""
        return None

    # -- health -----------------------------------------------------------
    def check(self) -> list[CheckResult]:
        """Verify credentials, permissions and quota; say plainly how to fix what is wrong."""
        return [CheckResult(True, _("nothing to check"))]

    def close(self) -> None:
        """Release network sessions."""


if TYPE_CHECKING:  # pragma: no cover
    from ..metrics.model import Figure, MetricTarget
