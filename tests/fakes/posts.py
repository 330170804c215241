"""A small RenderedPost on disk for channel tests (real PNG files, no renderer needed)."""

from __future__ import annotations

from pathlib import Path

from outreach.model import RenderedPost, Slide

TEXTS = {
    "blog": "<p>이번 주말 천안에서 열리는 행사를 소개합니다.</p>",
    "facebook": "이번 주말 천안 나들이 어떠세요? 가족과 함께 즐길 행사를 모았습니다.",
    "instagram": "주말엔 천안으로! 🎉 #천안 #주말나들이",
    "kakao": "[천안시] 이번 주말 행사 안내",
    "youtube": "이번 주말 천안 행사 소식입니다.",
    "threads": "이번 주말 천안 나들이 어떠세요? 🎉 #천안",
    "band": "[천안시] 이번 주말 행사를 소개합니다.\nhttps://www.cheonan.go.kr/",
}


def make_post(var_dir: Path, slides: int = 3, *, title: str = "이번 주말 천안 행사 안내",
              name: str = "weekend") -> RenderedPost:
    """A post with ``slides`` tiny PNG cards under ``var_dir/drafts/<name>``."""
    from PIL import Image

    out = var_dir / "drafts" / name
    out.mkdir(parents=True, exist_ok=True)
    items = []
    for i in range(1, slides + 1):
        path = out / f"card-{i:02d}.png"
        Image.new("RGB", (64, 64), (30 * i % 255, 120, 200)).save(path)
        items.append(Slide(index=i, path=path, width=64, height=64, format="png",
                           bytes=path.stat().st_size, alt_text=f"{i}번째 카드: 주말 행사 안내"))
    manifest = out / "manifest.json"
    manifest.write_text("{}", encoding="utf-8")
    return RenderedPost(template="weekend", title=title, slides=tuple(items), texts=dict(TEXTS),
                        out_dir=out, manifest_path=manifest, links=("https://www.cheonan.go.kr/",),
                        tags=("천안", "주말나들이"))
