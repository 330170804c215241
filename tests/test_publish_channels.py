"""A scriptable test channel (an outbox that can fail on cue) and the delivery rules it checks.

``ScriptedChannel`` publishes like the outbox but follows its ``script`` setting:
one step per call, counted in the ``log`` file so the count holds across
processes. Tests register it as channel type ``scripted`` / ``scripted_nofind``.
"""

from __future__ import annotations

import os
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from outreach import channels as registry
from outreach.channels.outbox import OutboxChannel
from outreach.errors import AuthExpired, Rejected, Retryable, UnknownOutcome
from outreach.model import Capability, Limits, Receipt, RenderedPost
from outreach.publishing import model as m
from outreach.publishing.deliver import RetryPolicy, publish_once, reconcile
from test_publish_helpers import channel_ctx, make_post

NOW = datetime(2026, 11, 26, 7, 0, tzinfo=timezone.utc)


class ScriptedChannel(OutboxChannel):
    """Outbox whose n-th publish call does ``script[n]`` (the last step repeats)."""

    type = "scripted"

    def _calls(self) -> list[str]:
        log = Path(self.ctx.settings["log"])
        return log.read_text().splitlines() if log.exists() else []

    def publish(self, post: RenderedPost, key: str) -> Receipt:
        script = list(self.ctx.settings.get("script", ["ok"]))
        step = script[min(len(self._calls()), len(script) - 1)]
        with open(self.ctx.settings["log"], "a") as fh:   # one line per platform call
            fh.write(f"{key}\n")
        if step.startswith("retry"):
            raise Retryable("잠시 후 다시 시도", channel=self.name,
                            retry_after=float(step.split(":")[1]) if ":" in step else None)
        if step == "reject":
            raise Rejected("bad request", channel=self.name, reason="게시물 형식 오류")
        if step == "auth":
            raise AuthExpired("token expired", channel=self.name)
        if step == "unknown":
            raise UnknownOutcome("read timed out", channel=self.name)
        if step == "boom":
            raise RuntimeError("adapter bug")
        if step == "sleep":                       # killed here: nothing was posted
            Path(self.ctx.settings["log"] + ".inside").write_text(str(os.getpid()))
            time.sleep(600)
        receipt = super().publish(post, key)
        if step == "post-then-unknown":
            raise UnknownOutcome("connection reset after sending", channel=self.name)
        if step == "post-then-sleep":             # killed here: the post is out
            Path(self.ctx.settings["log"] + ".inside").write_text(str(os.getpid()))
            time.sleep(600)
        return receipt


class ScriptedNoFind(ScriptedChannel):
    """Same, for a platform that cannot look posts up."""

    type = "scripted_nofind"
    capabilities = frozenset({Capability.TEXT, Capability.IMAGE, Capability.CAROUSEL})

    def find(self, key: str) -> Receipt | None:
        return None


def register(monkeypatch) -> None:
    """Make the scripted channel types known to ``open_channel`` for this test."""
    monkeypatch.setitem(registry._TYPES, "scripted", f"{__name__}:ScriptedChannel")
    monkeypatch.setitem(registry._TYPES, "scripted_nofind", f"{__name__}:ScriptedNoFind")


def scripted(tmp_path, *script: str, cls=ScriptedChannel, **settings):
    ctx = channel_ctx(tmp_path / "var", name="sc", type_=cls.type, script=list(script),
                      log=str(tmp_path / "calls.log"), **settings)
    return cls(ctx)


def calls(tmp_path) -> int:
    log = tmp_path / "calls.log"
    return len(log.read_text().splitlines()) if log.exists() else 0


POLICY = RetryPolicy(max_attempts=3, base_seconds=60, cap_seconds=600)


def test_ok_is_sent_with_the_receipt(tmp_path):
    result = publish_once(scripted(tmp_path, "ok"), make_post(tmp_path / "p"), "k-1", attempts=1,
                          now=NOW, policy=POLICY)
    assert result.state == m.D_SENT and result.remote_id == "k-1" and result.url.startswith("file:")


def test_retryable_waits_with_backoff_and_honours_retry_after(tmp_path):
    post = make_post(tmp_path / "p")
    first = publish_once(scripted(tmp_path, "retry"), post, "k", attempts=1, now=NOW, policy=POLICY)
    assert first.state == m.D_RETRY_WAIT
    assert NOW + timedelta(seconds=48) <= first.next_attempt_at <= NOW + timedelta(seconds=72)
    second = publish_once(scripted(tmp_path, "retry"), post, "k", attempts=2, now=NOW, policy=POLICY)
    assert NOW + timedelta(seconds=96) <= second.next_attempt_at <= NOW + timedelta(seconds=144)
    told = publish_once(scripted(tmp_path, "retry:900"), post, "k", attempts=1, now=NOW, policy=POLICY)
    assert told.next_attempt_at >= NOW + timedelta(seconds=900)


def test_retryable_gives_up_after_max_attempts(tmp_path):
    result = publish_once(scripted(tmp_path, "retry"), make_post(tmp_path / "p"), "k", attempts=3,
                          now=NOW, policy=POLICY)
    assert result.state == m.D_FAILED and "gave up after 3 attempts" in result.error


@pytest.mark.parametrize("step, cls_name", [("reject", "Rejected"), ("auth", "AuthExpired")])
def test_permanent_failures_fail_with_the_reason(tmp_path, step, cls_name):
    result = publish_once(scripted(tmp_path, step), make_post(tmp_path / "p"), "k", attempts=1,
                          now=NOW, policy=POLICY)
    assert result.state == m.D_FAILED and result.error_class == cls_name
    if step == "reject":
        assert "게시물 형식 오류" in result.error


def test_unknown_outcome_is_sent_when_find_sees_the_post(tmp_path):
    result = publish_once(scripted(tmp_path, "post-then-unknown"), make_post(tmp_path / "p"), "k",
                          attempts=1, now=NOW, policy=POLICY)
    assert result.state == m.D_SENT and result.outcome == "found"


@pytest.mark.parametrize("step", ["unknown", "boom"])
def test_unknown_outcome_or_bug_without_a_post_is_unknown_not_retried(tmp_path, step):
    result = publish_once(scripted(tmp_path, step), make_post(tmp_path / "p"), "k", attempts=1,
                          now=NOW, policy=POLICY)
    assert result.state == m.D_UNKNOWN and result.next_attempt_at is None
    assert "outreach retry" in result.error


def test_limits_fail_before_any_platform_call(tmp_path):
    channel = scripted(tmp_path, "ok", max_text=5, max_images=1)
    result = publish_once(channel, make_post(tmp_path / "p", slides=2), "k", attempts=1, now=NOW,
                          policy=POLICY)
    assert result.state == m.D_FAILED and "at most 1" in result.error and calls(tmp_path) == 0
    channel.limits = Limits(max_text=5)
    result = publish_once(channel, make_post(tmp_path / "q", slides=1), "k", attempts=1, now=NOW,
                          policy=POLICY)
    assert "allows 5" in result.error and calls(tmp_path) == 0


def test_reconcile_rules(tmp_path):
    post = make_post(tmp_path / "p")
    findable = scripted(tmp_path, "ok")
    assert reconcile(findable, "k-absent").state == m.D_RETRY_WAIT      # proven absent: resend
    findable.publish(post, "k-there")
    assert reconcile(findable, "k-there").state == m.D_SENT
    blind = scripted(tmp_path, "ok", cls=ScriptedNoFind)
    assert reconcile(blind, "k-absent").state == m.D_UNKNOWN            # cannot tell: a person checks


class SeeingHandoff(OutboxChannel):
    """A hand-off channel that can see what staff posted (like Naver Blog's RSS)."""

    type = "seeing_handoff"

    def publish(self, post: RenderedPost, key: str) -> Receipt:
        from outreach.channels.handoff import prepare_handoff

        return prepare_handoff(self.ctx, post, key, text=self.text_for(post), title=post.title)

    def confirmations(self, pending):
        return {key: Receipt(remote_id="77", url=f"https://blog.example/{key}")
                for key, title in pending.items() if title}
