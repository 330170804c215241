"""An unknown run on a web page points to the pages, not to 'outreach status'; the CLI
keeps pointing to its command."""

from __future__ import annotations

from outreach.cli import main
from outreach.i18n import use_language
from web_support import add_user, post, sign_in


def test_an_unknown_run_on_the_web_points_to_the_pages(staff):
    add_user(staff.ws.db, "boss", "approver", language="ko")
    sign_in(staff, "boss")
    r = post(staff, "/runs/987654/approve", page="/account")
    assert r.status_code == 400
    assert "987654번 실행이 없습니다: 일정이나 오늘 화면에서 게시물을 다시 찾아 보세요" in r.text
    assert "outreach status" not in r.text


def test_the_cli_keeps_its_command_hint(staff, capsys):
    with use_language("ko"):
        assert main(["--root", str(staff.ws.root), "approve", "987654"]) == 2
    err = capsys.readouterr().err
    assert "'outreach status'" in err and "일정이나 오늘 화면" not in err
