"""Hand-off: a post prepared for a person to publish where no write API exists.

Naver Blog, YouTube community posts and Kakao Channel posts cannot be written
by API, so outreach prepares everything a person needs (images in order, the
text ready to paste, alt texts, instructions in Korean) in
``var/handoff/<channel>/<key>/`` and the ledger waits for the person to confirm
with ``outreach handoff done``. Platform-specific hand-off channels call
``prepare_handoff`` with their own text, title and fields.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Mapping

from ..model import Capability, Receipt, RenderedPost
from .base import Channel, ChannelContext
from .outbox import (check_key, copy_slides, text_file_name, utc_now_iso, write_folder_atomically,
                     write_json)
from ..i18n import _


def handoff_folder(ctx: ChannelContext, key: str) -> Path:
    """Where the hand-off material for delivery ``key`` of this channel lives."""
    check_key(key, ctx.name)
    return ctx.var_dir / "handoff" / ctx.name / key


def _instructions(platform: str, text_file: str, slide_files: list[str], key: str) -> list[str]:
    steps = [f"{platform}에 새 글을 작성해 주세요."]
    if slide_files:
        steps.append(f"이미지 {len(slide_files)}장을 파일 이름 순서대로 올려 주세요"
                     f" ({', '.join(slide_files)}). 대체 텍스트는 alt.txt에 있습니다.")
    if text_file == "body.html":
        steps.append("body.html의 내용을 편집기의 HTML 모드에 붙여 넣어 주세요.")
    else:
        steps.append(f"{text_file}의 내용을 본문에 그대로 붙여 넣어 주세요.")
    steps.append("handoff.json의 제목(title)과 항목(fields)을 확인해 입력해 주세요.")
    steps.append(f"게시한 뒤 'outreach handoff done {key} --url 게시물주소'를 실행해 "
                 "게시 완료를 기록해 주세요.")
    return steps


def prepare_handoff(ctx: ChannelContext, post: RenderedPost, key: str, *, text: str, title: str,
                    fields: Mapping[str, Any] = {}) -> Receipt:
    """Write the hand-off folder for ``key`` (atomically; once per key) and return its receipt.

    Slides become 01.png, 02.png...; the text goes to body.html (HTML) or
    text.txt; alt texts to alt.txt; handoff.json carries channel, key, title,
    fields and the Korean instructions. A second call for the same key leaves
    the first folder untouched.
    """
    target = handoff_folder(ctx, key)
    platform = str(ctx.settings.get("platform") or ctx.name)

    def fill(tmp: Path) -> None:
        slides = copy_slides(post, tmp, ctx.name)
        text_file = text_file_name(text)
        (tmp / text_file).write_text(text, encoding="utf-8")
        (tmp / "alt.txt").write_text(
            "".join(f"{s['file']}: {s['alt_text']}\n" for s in slides), encoding="utf-8")
        steps = _instructions(platform, text_file, [s["file"] for s in slides], key)
        (tmp / "안내.txt").write_text(
            f"{title}\n\n" + "".join(f"{i}. {step}\n" for i, step in enumerate(steps, 1)),
            encoding="utf-8")
        write_json(tmp / "handoff.json", {
            "channel": ctx.name, "type": ctx.type, "platform": platform, "key": key,
            "title": title, "fields": dict(fields), "text_file": text_file, "slides": slides,
            "template": post.template, "instructions": steps, "prepared_at": utc_now_iso()})

    if write_folder_atomically(target, fill, ctx.name):
        _share(ctx, target)
    return Receipt(handoff=True, location=str(target))


def _share(ctx: ChannelContext, target: Path) -> None:
    """``share_group``: staff in that group may read the folder (docs/web.md)."""
    group = ctx.setting("share_group", type_=str)
    if not group:
        return
    from ..errors import ConfigError
    from ..filemodes import share_with_group

    try:
        share_with_group(target, group, ctx.var_dir)
    except KeyError:
        raise ConfigError(_("no system group named {group!r}: create it (groupadd {group}) or "
                            "remove share_group", group=group), file=ctx.config_file,
                          key=f"channels.{ctx.name}.share_group") from None
    except PermissionError:
        raise ConfigError(_("cannot give group {group!r} the hand-off folder: make the service "
                            "account a member (usermod -aG {group} USER)", group=group),
                          file=ctx.config_file, key=f"channels.{ctx.name}.share_group") from None


def find_handoff(ctx: ChannelContext, key: str) -> Receipt | None:
    """The receipt of an already prepared hand-off folder, or None."""
    target = handoff_folder(ctx, key)
    return Receipt(handoff=True, location=str(target)) if (target / "handoff.json").is_file() else None


class HandoffChannel(Channel):
    """A generic hand-off channel: settings ``platform`` (display name) and ``text`` (which text)."""

    type = "handoff"
    display_name = "Hand-off"
    description = "수동 게시: 사람이 올릴 수 있도록 이미지와 글을 준비합니다"
    capabilities = frozenset({Capability.HANDOFF, Capability.IMAGE, Capability.CAROUSEL,
                              Capability.TEXT, Capability.FIND})

    def publish(self, post: RenderedPost, key: str) -> Receipt:
        fields = {"tags": list(post.tags), "links": list(post.links)}
        return prepare_handoff(self.ctx, post, key, text=self.text_for(post), title=post.title,
                               fields=fields)

    def find(self, key: str) -> Receipt | None:
        return find_handoff(self.ctx, key)
