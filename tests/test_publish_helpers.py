"""Helpers shared by the ledger / publishing tests: real PNG slides, posts, settings.

Imported by the other ``test_publish*``, ``test_ledger*``, ``test_outbox*``...
modules; its own test checks that the helpers build what they claim.
"""

from __future__ import annotations

from pathlib import Path
from zoneinfo import ZoneInfo

from PIL import Image

from outreach.channels.base import ChannelContext
from outreach.config import ChannelConfig, Settings
from outreach.model import RenderedPost, Slide

SEOUL = ZoneInfo("Asia/Seoul")


def make_post(folder: Path, slides: int = 2, texts: dict[str, str] | None = None) -> RenderedPost:
    """A RenderedPost with real PNG files, as render would produce."""
    folder.mkdir(parents=True, exist_ok=True)
    items = []
    for i in range(1, slides + 1):
        path = folder / f"slide-{i}.png"
        Image.new("RGB", (64, 64), (30 * i, 90, 160)).save(path)
        items.append(Slide(index=i, path=path, width=64, height=64, format="png",
                           bytes=path.stat().st_size, alt_text=f"주말 안내 카드 {i}"))
    texts = texts if texts is not None else {
        "facebook": "이번 주말 시청 앞 광장에서 가을 음악회가 열립니다.",
        "blog": "<p>이번 주말 <strong>가을 음악회</strong>가 열립니다.</p>"}
    return RenderedPost(template="weekend-guide", title="이번 주말 시민 안내", slides=tuple(items),
                        texts=texts, out_dir=folder, manifest_path=folder / "manifest.json",
                        tags=("주말", "시청"), links=("https://www.example.go.kr",))


def channel_ctx(var_dir: Path, name: str = "outbox", type_: str = "outbox", **settings) -> ChannelContext:
    def secret(key: str) -> str:
        raise AssertionError("no secrets in these tests")

    return ChannelContext(name=name, type=type_, settings=settings, secret=secret,
                          var_dir=var_dir, timezone=SEOUL)


def make_settings(root: Path, db_url: str, channels: dict[str, dict] | None = None) -> Settings:
    """Workspace settings built in code (no outreach.toml needed)."""
    channels = channels if channels is not None else {"outbox": {"type": "outbox"}}
    configs = {name: ChannelConfig(name=name, type=table["type"], file=None,
                                   enabled=table.get("enabled", True),
                                   settings={k: v for k, v in table.items()
                                             if k not in ("type", "enabled")})
               for name, table in channels.items()}
    return Settings(root=root, file=None, timezone=SEOUL, database_url=db_url,
                    templates_dir=root / "templates" / "cards", schedules_dir=root / "schedules",
                    content_dir=root / "content", var_dir=root / "var", channels=configs)


def test_make_post_writes_real_png(tmp_path):
    post = make_post(tmp_path, slides=3)
    assert [s.index for s in post.slides] == [1, 2, 3]
    with Image.open(post.slides[2].path) as img:
        assert img.format == "PNG" and img.size == (64, 64)


NOTICE_TEMPLATE = {
    "template.yaml": """description: 시험용 알림 카드
canvas: {width: 240, height: 240}
fields:
  title: {type: text, description: 제목}
slides:
  - name: cover
    alt: "{{ title }} 안내 카드"
    layers:
      - type: background
        color: "#1a4b8c"
      - type: text
        box: [10, 10, 220, 220]
        text: "{{ title }}"
        size: 24
        color: "#ffffff"
""",
    "texts/facebook.j2": "{{ title }} 소식을 알려 드립니다.\n",
    "texts/blog.j2": "<p>{{ title }} 소식을 알려 드립니다.</p>\n",
    "sample.yaml": "title: 가을 음악회\n",
}


def write_template(templates_dir: Path, name: str = "notice") -> Path:
    """A small real card template (one slide, facebook and blog texts) for publishing tests."""
    folder = templates_dir / name
    for rel, text in NOTICE_TEMPLATE.items():
        (folder / rel).parent.mkdir(parents=True, exist_ok=True)
        (folder / rel).write_text(text, encoding="utf-8")
    return folder


class Clock:
    """A clock the test moves by hand."""

    def __init__(self, now):
        self.now = now

    def __call__(self):
        return self.now

    def advance(self, **delta):
        from datetime import timedelta

        self.now += timedelta(**delta)
        return self.now


def workspace(root: Path, db_url: str, channels: dict[str, dict] | None = None) -> Settings:
    """Settings for a workspace in ``root`` with the notice template in it."""
    settings = make_settings(root, db_url, channels)
    write_template(settings.templates_dir)
    return settings
