"""Local fake platforms for tests: one small HTTP server per platform.

Every fake is a ``FakeServer`` (``tests/fakes/base.py``): a
``ThreadingHTTPServer`` on 127.0.0.1 port 0 served from a thread, with

- ``fake.url``: the base URL to put in a channel's ``api_base`` setting;
- ``fake.requests`` / ``fake.seen(method, path_regex)``: what the adapter sent
  (``Request.method, path, query, headers, body, json(), form(), params()``);
- ``fake.fail(kind, method=, path=, times=, status=, body=, headers=)``: make
  the next matching request misbehave: ``"hang"`` (no answer until the
  client's read timeout), ``"reset"`` (drop the connection after reading the
  request), ``"lose"`` (carry the request out, then drop the connection: a
  post that exists though the adapter never heard so), ``"malformed"`` (200 with an HTML body), ``"answer"`` (any status,
  body and headers);
- use as a context manager, or ``start()`` / ``stop()``.

``refused_url()`` gives a local URL where nothing listens (connection refused).

Platform fakes and their seeding API:

- ``GraphFake`` (graph.py): Facebook Page + Instagram. ``add_post(message,
  created=)``, ``add_comment(parent_id, message, created=, author=(id, name),
  instagram=)`` (the account's own IG comments: ``author=fake.ig_self``),
  ``add_ig_media(caption)``; state ``posts``, ``photos``,
  ``comments``, ``containers``, ``ig_media``, ``quota_usage``/``quota_total``,
  ``expired`` (token answers code 190/463), ``scopes``, ``expires_at``.
- ``WordPressFake`` (wordpress.py): ``WordPressFake(zone=ZoneInfo(...))`` (the
  site's time zone: ``after`` is site-local), ``add_category(name)``, ``add_post(...)``,
  ``add_comment(post_id, text, created=, parent=, user=, status="hold")``
  (``user=fake.user_id``: written by the authenticated user, as ``/users/me`` says;
  rendered text texturized and autop'd, ``raw`` with context=edit), ``approve(cid)``;
  state ``posts``, ``media``, ``comments``, ``categories``, ``capabilities``;
  ``password`` for Basic auth.
- ``NaverRssFake`` (naver.py): ``add_post(title, link=)`` for blog ``blog_id``.
- ``YouTubeFake`` (youtube.py): OAuth token endpoint at ``/token`` plus Data API
  v3 under ``/youtube/v3``; ``add_thread(video_id, text, ...)``,
  ``add_reply(thread_id, text)`` (``own=True``: written as the city's channel,
  ``authorChannelId`` = ``channel_id``); state ``threads``, ``comments``,
  ``moderation``; ``revoked`` makes the refresh token fail (invalid_grant),
  ``quota_exceeded`` answers 403 quotaExceeded; every call costs its
  documented units (``units_used``; ``quota_limit`` caps the day).
- ``KakaoFake`` (kakao.py): chatbot Event API (``/v2/bots/{id}/talk``,
  ``/v1/tasks/{id}``; ``undeliverable``, ``fail_entry``) and Solapi
  (``send-many`` answering the group, ``send-many/detail`` wrapping it in
  ``groupInfo``, the message-group API ``/messages/v4/groups...``,
  ``/cash/v1/balance``) with HMAC signature checks and the documented error
  codes; state ``events``, ``tasks``, ``groups``, ``solapi_messages`` (what
  went out), ``balance``, ``refused_numbers``, ``error_after_send``,
  ``clock_skew``.

``channel_context(name, type, settings, env, var_dir)`` builds a
``ChannelContext`` the way ``open_channel`` does, without a workspace.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Mapping
from zoneinfo import ZoneInfo

from .base import Answer, FakeServer, Request, refused_url

__all__ = ["Answer", "FakeServer", "Request", "refused_url", "channel_context"]


def channel_context(name: str, type_: str, settings: Mapping[str, Any], env: Mapping[str, str],
                    var_dir: Path) -> Any:
    """A ChannelContext whose secrets come from ``env`` (secret settings end in ``_env``)."""
    from outreach.channels.base import ChannelContext
    from outreach.errors import ConfigError
    from outreach.logs import register_secret

    def secret(key: str) -> str:
        env_name = settings.get(key)
        value = env.get(str(env_name)) if env_name else None
        if not value:
            raise ConfigError(f"environment variable {env_name} is not set", key=f"channels.{name}.{key}")
        register_secret(value)
        return value

    return ChannelContext(name=name, type=type_, settings=dict(settings), secret=secret,
                          var_dir=var_dir, timezone=ZoneInfo("Asia/Seoul"))
