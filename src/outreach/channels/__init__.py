"""Channel registry: type name -> implementing class, imported only when used; and the one
place that names a channel for staff (``channel_label``, ``text_label``; each channel class
declares its platform's name as ``display_name``)."""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING
from ..i18n import _

if TYPE_CHECKING:
    from ..config import ChannelConfig, Settings
    from .base import Channel

_TYPES: dict[str, str] = {
    "outbox": "outreach.channels.outbox:OutboxChannel",
    "handoff": "outreach.channels.handoff:HandoffChannel",
    "facebook": "outreach.channels.facebook:FacebookChannel",
    "instagram": "outreach.channels.instagram:InstagramChannel",
    "wordpress": "outreach.channels.wordpress:WordPressChannel",
    "naver_blog": "outreach.channels.naver_blog:NaverBlogChannel",
    "youtube": "outreach.channels.youtube:YouTubeChannel",
    "kakao": "outreach.channels.kakao:KakaoChannel",
    "band": "outreach.channels.band:BandChannel",
    "threads": "outreach.channels.threads:ThreadsChannel",
}


def channel_class(type_name: str) -> "type[Channel]":
    """The class for a channel type (KeyError for an unknown type; config validates first)."""
    module, _, attr = _TYPES[type_name].partition(":")
    return getattr(import_module(module), attr)


def channel_types() -> list[str]:
    return list(_TYPES)


def type_label(type_name: str) -> str:
    """A channel type's platform name as staff read it, in the language in force
    (the class's ``display_name``: "naver_blog" -> 네이버 블로그); an unknown type as it is."""
    if type_name not in _TYPES:
        return type_name
    name = channel_class(type_name).display_name
    return _(name) if name else type_name


def _names_for_extraction() -> None:  # pragma: no cover - lets the catalog test see the ids
    _("Facebook"), _("Instagram"), _("YouTube"), _("Threads"), _("Kakao Talk Channel")
    _("Naver Blog"), _("Band"), _("WordPress"), _("Local outbox"), _("Hand-off")


def _configured_label(config: "ChannelConfig") -> str:
    """A configured channel's platform name; a generic hand-off channel's is its ``platform``
    setting (the name its instructions use), when it has one."""
    platform = config.settings.get("platform") if config.type == "handoff" else None
    if isinstance(platform, str) and platform.strip():
        return platform.strip()
    return type_label(config.type)


def channel_label(code: str, settings: "Settings | None" = None, *, distinct: bool = True) -> str:
    """The name staff read for a channel code: what every staff page shows for a channel.

    ``code`` is a configured channel's name (``[channels.NAME]``, as inbox items, deliveries
    and filters carry it) or a channel type. A configured channel reads as its platform
    ("naver" of type naver_blog -> 네이버 블로그); when two configured channels would read
    the same, each adds its own name ("Facebook (mayor)"; not with ``distinct=False``: the
    platform alone, for citizens). A type that is not a configured name reads as its
    platform; any other code is shown as it is.
    """
    if settings is not None and code in settings.channels:
        label = _configured_label(settings.channels[code])
        same = sum(1 for c in settings.channels.values() if _configured_label(c) == label)
        if distinct and same > 1:
            return label + f" ({code})"     # +: a stored text keeps the platform translatable
        return label
    return type_label(code)


def text_label(text_name: str, settings: "Settings | None" = None) -> str:
    """The name of the platform(s) a card text is for (the studio's text tabs).

    A text named like a channel type is that platform's ("kakao" -> 카카오톡 채널). Another
    (the "blog" text) reads as the configured channels that post it, else as the channel
    types that post it by default, joined with " · "; a text no channel posts, as it is.
    """
    if text_name in _TYPES:
        return type_label(text_name)
    labels: list[str] = []
    if settings is not None:
        for config in settings.channels.values():
            default = channel_class(config.type).text_name if config.type in _TYPES else None
            if config.settings.get("text", default) == text_name:
                labels.append(_configured_label(config))
    if not labels:
        labels = [type_label(t) for t in _TYPES if channel_class(t).text_name == text_name]
    return " · ".join(dict.fromkeys(labels)) or text_name


def open_channel(settings: "Settings", name: str) -> "Channel":
    """Build the configured channel ``name`` from the workspace settings."""
    from ..errors import ConfigError
    from .base import ChannelContext

    config = settings.channels.get(name)
    if config is None:
        known = ", ".join(settings.channels) or "none"
        raise ConfigError(_("no channel named {name!r} is configured (configured: {known})",
                            name=name, known=known),
                          file=settings.file or "outreach.toml", key="channels")

    def secret(key: str) -> str:
        env_name = config.settings.get(key)
        if not isinstance(env_name, str) or not env_name:
            raise ConfigError(_("missing setting: name the environment variable that holds this "
                                "secret"),
                              file=settings.file or "outreach.toml", key=f"channels.{name}.{key}")
        return settings.secret(env_name, key=f"channels.{name}.{key}")

    ctx = ChannelContext(name=name, type=config.type, settings=config.settings, secret=secret,
                         var_dir=settings.var_dir, timezone=settings.timezone,
                         config_file=settings.file)
    return channel_class(config.type)(ctx)
