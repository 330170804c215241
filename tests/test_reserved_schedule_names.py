"""Schedule names outreach keeps for itself ("post" for one-off posts, "survey" for survey
calls) are refused in schedules/*.yaml with one line naming the file and what to do."""

from __future__ import annotations

import shutil

import pytest

from outreach.publishing import model as m
from outreach.scheduling.specs import RESERVED_NAMES
from test_staff_files import one_line, run, ws  # noqa: F401  (fixture)


def test_the_one_off_post_name_is_reserved():
    assert m.POST in RESERVED_NAMES


@pytest.mark.parametrize("name", ["post", "survey"])
def test_a_schedule_file_with_a_reserved_name_is_one_clear_line(ws, capsys, name):
    shutil.copy(ws / "schedules" / "weekend-guide.yaml", ws / "schedules" / f"{name}.yaml")
    code, _, err = run(ws, "schedules", capsys=capsys)
    one_line(code, err, rf"schedules/{name}\.yaml: '{name}' is a name outreach keeps for its "
                        rf"own posts .*rename the file, e.g\. {name}-weekly\.yaml")


def test_a_reserved_name_is_refused_in_korean_too(ws, capsys, monkeypatch):
    monkeypatch.setenv("OUTREACH_LANGUAGE", "ko")
    shutil.copy(ws / "schedules" / "weekend-guide.yaml", ws / "schedules" / "post.yaml")
    code, _, err = run(ws, "schedules", capsys=capsys)
    one_line(code, err, r"schedules/post\.yaml: 'post'.*파일 이름을 바꾸세요")


def test_names_that_merely_start_alike_are_fine(ws, capsys):
    shutil.copy(ws / "schedules" / "weekend-guide.yaml", ws / "schedules" / "post-weekly.yaml")
    shutil.copy(ws / "schedules" / "weekend-guide.yaml", ws / "schedules" / "surveys.yaml")
    code, out, err = run(ws, "schedules", capsys=capsys)
    assert code == 0, err
    assert "post-weekly" in out and "surveys" in out


def test_the_reserved_names_are_the_ledgers_own_constants():
    """One constant per name: the surveys' schedule, the one-off posts' and the refusal in
    schedules/*.yaml cannot drift apart."""
    from outreach.scheduling import specs
    from outreach.surveys import publish

    assert specs.RESERVED_NAMES is m.RESERVED_SCHEDULES
    assert publish.SCHEDULE is m.SURVEY and m.SURVEY in specs.RESERVED_NAMES
