"""Stale working copies (render.working.prune, ``outreach photos prepare``): a copy whose
original is no longer in its folder is deleted; nothing else ever is."""

from __future__ import annotations

import io
import shutil
from pathlib import Path

from PIL import Image

from outreach.render import paint, working
from test_render_working import outreach, workspace  # noqa: F401 - the CLI fixture


def jpeg(color, size=(1600, 1200)) -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", size, color).save(buf, "JPEG", quality=90, progressive=True)
    return buf.getvalue()


def test_prune_deletes_only_copies_of_originals_no_longer_there(tmp_path: Path) -> None:
    folder = tmp_path / "photos"
    folder.mkdir()
    keep, old = folder / "keep.jpg", folder / "old.jpg"
    keep.write_bytes(jpeg((200, 30, 30)))
    old.write_bytes(jpeg((30, 200, 30)))
    kept_copy = working.prepare(keep, [(400, 300)]).copy
    old_copy = working.prepare(old, [(400, 300)]).copy
    assert kept_copy and old_copy and old_copy.exists()
    assert working.prune(folder) == []                     # both originals still there
    old.write_bytes(jpeg((30, 30, 200)))                   # replaced in place: other bytes
    new_copy = working.prepare(old, [(400, 300)]).copy
    # not copies, or not in .working/: never touched, whatever their names
    stray = folder / ".working" / "notes.txt"
    stray.write_text("mine", encoding="utf-8")
    half = folder / ".working" / f".{old_copy.name}.x1.tmp"
    half.write_bytes(b"half")
    outside = folder / f"{'0' * 32}.jpg"                   # a photo named like a copy
    outside.write_bytes(jpeg((1, 2, 3), (40, 30)))
    other = tmp_path / "elsewhere" / ".working" / f"{'f' * 32}.jpg"
    other.parent.mkdir(parents=True)
    other.write_bytes(b"x")
    assert working.prune(folder) == [old_copy]
    assert not old_copy.exists()
    assert kept_copy.exists() and new_copy.exists() and new_copy != old_copy
    assert stray.exists() and half.exists() and outside.exists() and other.exists()
    assert working.find(old, paint.file_digest(old.read_bytes())) is not None
    old.unlink()                                           # deleted: its copy goes too
    assert working.prune(folder) == [new_copy]
    assert working.prune(tmp_path / "nowhere") == []


def test_prune_leaves_a_symlinked_working_folder_alone(tmp_path: Path) -> None:
    real = tmp_path / "shared"
    real.mkdir()
    copy = real / f"{'a' * 32}.jpg"
    copy.write_bytes(b"x")
    folder = tmp_path / "photos"
    folder.mkdir()
    (folder / ".working").symlink_to(real)
    assert working.prune(folder) == [] and copy.exists()


def test_photos_prepare_removes_stale_copies_and_says_how_many(workspace) -> None:  # noqa: F811
    first = outreach(workspace, "photos", "prepare", "weekend-guide")
    assert first.returncode == 0, first.stderr
    assert "0 stale working copies removed" in first.stdout.splitlines()
    photos = workspace / "content" / "photos"
    photo = photos / "taejosan.jpg"
    before = set((photos / ".working").iterdir())
    # the officer replaces the photo with another one under the same name
    with Image.open(photo) as img:
        img.transpose(Image.Transpose.FLIP_LEFT_RIGHT).save(photo, "JPEG", quality=90,
                                                           progressive=True)
    unrelated = workspace / "content" / "notes.working.txt"
    unrelated.write_text("kept", encoding="utf-8")
    again = outreach(workspace, "photos", "prepare", "weekend-guide")
    assert again.returncode == 0, again.stderr
    lines = again.stdout.splitlines()
    assert lines[-2:] == ["1 stale working copies removed",
                          "1 working copies made, 7 already up to date"]
    assert any(line.startswith("removed content/photos/.working/") and
               line.endswith("its photo is no longer in content/photos") for line in lines)
    after = set((photos / ".working").iterdir())
    assert len(before - after) == 1 and len(after - before) == 1
    assert working.find(photo, paint.file_digest(photo.read_bytes())) is not None
    assert unrelated.exists()
    shutil.rmtree(photos / ".working")                     # always safe: made again
    third = outreach(workspace, "photos", "prepare", "weekend-guide")
    assert "0 stale working copies removed" in third.stdout.splitlines()
