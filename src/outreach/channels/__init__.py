"""Channel registry: type name -> implementing class, imported only when used."""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING
from ..i18n import _

if TYPE_CHECKING:
    from ..config import Settings
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
