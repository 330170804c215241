"""The autopilot makes the working copies of the photos its drafts name (render.working),
as a studio save does; a photo it cannot copy never fails the draft."""

from __future__ import annotations

import pytest
import yaml

from outreach.autopilot.service import is_ours
from outreach.render import paint, working
from test_autopilot import MON, WED_9, Autopilot


@pytest.fixture
def ap(tmp_path, db_url):
    made = Autopilot(tmp_path / "ws", db_url, calendar=False)
    yield made
    made.close()


def _photos(ap) -> list:
    data = yaml.safe_load(ap.file.read_text(encoding="utf-8"))
    return sorted({(ap.file.parent / e["photo"]).resolve() for e in data["events"]}
                  | {(ap.file.parent / data["cover_photo"]).resolve()})


def test_a_draft_s_downloaded_photos_get_working_copies_at_once(ap):
    ap.run(MON)
    report = ap.run(WED_9)
    assert report.drafted == 1
    photos = _photos(ap)
    downloaded = [p for p in photos if p.name.startswith("tourapi-")]
    assert downloaded, photos
    for photo in photos:
        copy = working.find(photo, paint.file_digest(photo.read_bytes()))
        assert copy is not None, photo
        assert copy.path.parent == photo.parent / ".working"
    # the fake's 1200x800 festival photo, drawn in the 1080x680 event band: 1080x720
    copy = working.find(downloaded[0], paint.file_digest(downloaded[0].read_bytes()))
    assert copy.size == (1080, 720) and copy.natural == (1200, 800)


def test_a_photo_that_cannot_be_copied_does_not_fail_the_draft(ap):
    folder = ap.file.parent / "photos"
    folder.mkdir(parents=True)
    (folder / ".working").write_text("not a folder", encoding="utf-8")   # mkdir fails here
    ap.run(MON)
    report = ap.run(WED_9)
    assert report.drafted == 1 and not report.errors, report.errors
    assert is_ours(ap.settings, "weekend-guide", ap.file)
    downloaded = [p for p in _photos(ap) if p.name.startswith("tourapi-")]
    assert downloaded and all(working.find(p, paint.file_digest(p.read_bytes())) is None
                              for p in downloaded)
    assert "working" not in ap.file.read_text(encoding="utf-8")      # no problem line for it
    # the default photo elsewhere still got its copy
    cover = (ap.file.parent / yaml.safe_load(ap.file.read_text(encoding="utf-8"))
             ["cover_photo"]).resolve()
    assert working.find(cover, paint.file_digest(cover.read_bytes())) is not None
