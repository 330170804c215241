"""The outbox channel: every delivery becomes a folder on disk instead of a platform post.

It lets the whole pipeline (schedules, ledger, approvals) run with no platform
accounts, and gives staff a place to look at exactly what would have gone out.
A delivery folder ``var/outbox/<channel>/<key>/`` holds the slide images in
order (``01.png``...), the channel text, every other text of the post, and
``manifest.json``. Folders are written in a temporary sibling and renamed, so a
folder that exists is complete; that is what makes ``find`` trustworthy after a
crash, and a second publish of the same key a no-op.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import tempfile
from pathlib import Path
from typing import Any, Callable, Mapping

from ..errors import Rejected, Retryable
from ..storage import private_dir, storage_error
from ..model import Capability, Limits, Receipt, RenderedPost, utc_now
from .base import Channel, ChannelContext
from ..i18n import _

_HTML = re.compile(r"<(p|br|h[1-6]|div|ul|ol|li|img|a|strong|em|b|i|figure|span|table|section)\b",
                   re.IGNORECASE)
_KEY = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$")


def is_html(text: str) -> bool:
    """True when a text is an HTML fragment (the blog text) rather than plain text."""
    return bool(_HTML.search(text))


def text_file_name(text: str) -> str:
    """``body.html`` for HTML (ready to paste into a blog editor), ``text.txt`` otherwise."""
    return "body.html" if is_html(text) else "text.txt"


def slide_file_name(index: int, fmt: str) -> str:
    """``01.png``, ``02.jpg``...: names that sort in carousel order."""
    return f"{index:02d}.{'jpg' if fmt.lower() in ('jpeg', 'jpg') else fmt.lower()}"


def check_key(key: str, channel: str) -> None:
    """Refuse keys that could escape the folder (the ledger makes slug-safe keys)."""
    if not _KEY.match(key):
        raise Rejected(_("delivery key {key!r} is not a safe folder name", key=key), channel=channel)


def write_folder_atomically(target: Path, fill: Callable[[Path], None], channel: str = ""
                            ) -> bool:
    """Create ``target`` filled by ``fill(tmp)``; all or nothing.

    Returns False (and leaves ``target`` alone) when it already exists, so the
    same delivery written twice stays one folder: the first complete one wins.
    A write that fails (disk full) raises ``Retryable``: the target was never
    renamed into place, so the delivery provably did not happen.
    """
    if target.is_dir():
        return False
    try:
        private_dir(target.parent)
        tmp = Path(tempfile.mkdtemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent))
    except OSError as exc:
        raise _not_written(exc, target, channel) from None
    try:
        fill(tmp)
        try:
            os.rename(tmp, target)
        except OSError:
            if target.is_dir():   # another writer finished first
                return False
            raise
    except OSError as exc:
        # the folder appears only by the rename, so it provably does not exist: retry later
        raise _not_written(exc, target, channel) from None
    finally:
        if tmp.exists():
            shutil.rmtree(tmp, ignore_errors=True)
    return True


def _not_written(exc: OSError, target: Path, channel: str) -> Retryable:
    """Disk full, read-only or forbidden: nothing was written, so the ledger may retry."""
    from ..i18n import _

    error = storage_error(exc, target.parent)
    return Retryable(str(error) if error else _("cannot write in {folder} ({reason})",
                                                  folder=target.parent, reason=exc.strerror),
                     channel=channel, retry_after=300)


def copy_slides(post: RenderedPost, folder: Path, channel: str) -> list[dict[str, Any]]:
    """Copy the slide images into ``folder`` as 01.png, 02.png...; their manifest entries."""
    entries = []
    for position, slide in enumerate(sorted(post.slides, key=lambda s: s.index), start=1):
        if not slide.path.is_file():
            raise Rejected(_("slide image {path} is missing: render the post again",
                             path=slide.path),
                           channel=channel)
        name = slide_file_name(position, slide.format)
        shutil.copyfile(slide.path, folder / name)
        entries.append({"file": name, "alt_text": slide.alt_text, "width": slide.width,
                        "height": slide.height, "format": slide.format, "bytes": slide.bytes})
    return entries


def write_json(path: Path, data: Mapping[str, Any]) -> None:
    path.write_text(json.dumps(data, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")


def utc_now_iso() -> str:
    return utc_now().replace(microsecond=0).isoformat().replace("+00:00", "Z")


class OutboxChannel(Channel):
    """Writes each delivery as a folder under ``var/outbox/<channel>/`` (or setting ``folder``)."""

    type = "outbox"
    display_name = "Local outbox"
    description = "로컬 보관함: 게시물을 폴더(이미지, 글, manifest.json)로 저장합니다"
    capabilities = frozenset({Capability.TEXT, Capability.LINK, Capability.IMAGE,
                              Capability.CAROUSEL, Capability.FIND})
    limits = Limits()

    def __init__(self, ctx: ChannelContext) -> None:
        super().__init__(ctx)
        folder = ctx.setting("folder", None, type_=str)
        base = Path(folder) if folder else ctx.var_dir / "outbox" / ctx.name
        if not base.is_absolute():
            base = (ctx.config_file.parent if ctx.config_file else ctx.var_dir.parent) / base
        self.base = base
        # optional limits so a rehearsal can mimic a real platform
        self.limits = Limits(max_text=ctx.setting("max_text", None, type_=int),
                             max_images=ctx.setting("max_images", None, type_=int),
                             max_image_bytes=ctx.setting("max_image_bytes", None, type_=int))

    def folder_for(self, key: str) -> Path:
        check_key(key, self.name)
        return self.base / key

    def text_for(self, post: RenderedPost) -> str:
        """Setting ``text`` if given; otherwise the facebook text, else the post's first text."""
        if "text" in self.ctx.settings or self.text_name in post.texts:
            return super().text_for(post)
        return next(iter(post.texts.values()), "")

    def publish(self, post: RenderedPost, key: str) -> Receipt:
        target = self.folder_for(key)
        text = self.text_for(post)

        def fill(tmp: Path) -> None:
            slides = copy_slides(post, tmp, self.name)
            main = text_file_name(text)
            (tmp / main).write_text(text, encoding="utf-8")
            others = {}
            for name, body in post.texts.items():
                file = f"text-{name}.{'html' if is_html(body) else 'txt'}"
                (tmp / file).write_text(body, encoding="utf-8")
                others[name] = file
            write_json(tmp / "manifest.json", {
                "channel": self.name, "type": self.type, "key": key, "template": post.template,
                "title": post.title, "text_file": main, "texts": others, "slides": slides,
                "tags": list(post.tags), "links": list(post.links), "written_at": utc_now_iso()})

        write_folder_atomically(target, fill, self.name)
        return self._receipt(target)

    def find(self, key: str) -> Receipt | None:
        target = self.folder_for(key)
        return self._receipt(target) if (target / "manifest.json").is_file() else None

    def _receipt(self, target: Path) -> Receipt:
        return Receipt(remote_id=target.name, url=target.resolve().as_uri(), location=str(target))
