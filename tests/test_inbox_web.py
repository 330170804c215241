"""The inbox pages in-process: department queues, filters and Korean search, the item page
(masked thread, timers, history), answering by hand with a saved reply, transfers, bulk
actions, the audited reveal, the report page and its exports. SQLite and PostgreSQL."""

from __future__ import annotations

import io

from outreach.store import inbox as store

from inbox_web_support import file_items, staff_users
from web_support import csrf, sign_in

TEXTS = {"m1": "우리 동네 가로등이 꺼져 있어요 010-1234-5678",
         "m2": "불법주차 차량 때문에 지나갈 수가 없어요",
         "m3": "도로가 움푹 패여서 위험합니다"}


def _post(client, path, data, page):
    return client.post(path, data={**data, "csrf_token": csrf(client, page)})


def test_officer_queue_is_their_departments_and_filters(staff):
    ws = staff.ws
    ids = file_items(ws, TEXTS)
    staff_users(ws)
    sign_in(staff, "road")
    page = staff.get("/inbox")
    assert page.status_code == 200
    assert f'id="item-{ids["m1"]}"' in page.text and f'id="item-{ids["m3"]}"' in page.text
    assert f'id="item-{ids["m2"]}"' not in page.text          # 교통행정과's item
    assert "010-****-5678" in page.text and "1234-5678" not in page.text
    found = staff.get("/inbox", params={"q": "가로등"})          # inside 가로등이
    assert f'id="item-{ids["m1"]}"' in found.text and f'id="item-{ids["m3"]}"' not in found.text
    two = staff.get("/inbox", params={"q": "주차"})               # inside 불법주차, not mine
    assert 'id="item-' not in two.text
    cat = staff.get("/inbox", params={"category": "가로등", "channel": "facebook"})
    assert f'id="item-{ids["m1"]}"' in cat.text and f'id="item-{ids["m3"]}"' not in cat.text
    due = staff.get("/inbox", params={"sort": "due"})
    assert due.text.index(f'item-{ids["m1"]}"') < due.text.index(f'item-{ids["m3"]}"')
    # someone else's item: refused in words, never a 5xx
    other = staff.get(f"/inbox/{ids['m2']}")
    assert other.status_code == 400 and "not in one of your departments" in other.text
    staff.post("/sign-out", data={"csrf_token": csrf(staff, "/inbox")})
    sign_in(staff, "chief")                                     # a supervisor sees all
    every = staff.get("/inbox")
    assert all(f'id="item-{i}"' in every.text for i in ids.values())
    only = staff.get("/inbox", params={"department": "교통행정과"})
    assert f'id="item-{ids["m2"]}"' in only.text and f'id="item-{ids["m1"]}"' not in only.text


def test_item_page_answer_by_hand_with_saved_reply_and_viewer(staff):
    ws = staff.ws
    ids = file_items(ws, TEXTS)
    file_items(ws, {"m9": "지난번 가로등 민원 아직이에요"}, when=None)
    staff_users(ws)
    sign_in(staff, "road")
    path = f"/inbox/{ids['m1']}"
    page = staff.get(path)
    assert page.status_code == 200
    assert "010-****-5678" in page.text and "1234" not in page.text
    assert "접수번호" in page.text                             # saved replies, filled
    assert "지난번 가로등 민원" in page.text                    # same thread / same citizen
    assert "First answer due" in page.text and "Resolution due" in page.text
    # facebook is not configured here: the answer is recorded as given by hand
    r = _post(staff, f"{path}/answer", {"text": "현장을 확인하겠습니다.", "seen_answers": "0",
                                        "manual": "1"}, path)
    assert r.status_code == 303
    again = _post(staff, f"{path}/answer", {"text": "또 다른 답변", "seen_answers": "0",
                                            "manual": "1"}, path)
    assert again.status_code == 400 and "another answer" in again.text
    shown = staff.get(path)
    assert "현장을 확인하겠습니다." in shown.text and "inbox.answer" in shown.text  # audit log
    with ws.db.read() as conn:
        row = store.get_item(conn, ids["m1"])
    assert row.status == "answered" and row.first_answered_at is not None
    _post(staff, f"{path}/note", {"text": "내일 현장 확인"}, path)
    assert "내일 현장 확인" in staff.get(path).text
    staff.post("/sign-out", data={"csrf_token": csrf(staff, "/inbox")})
    sign_in(staff, "watcher")
    view = staff.get(path)
    assert view.status_code == 200 and "Send the answer" not in view.text \
        and "Record the answer given by hand" not in view.text
    r = _post(staff, f"{path}/answer", {"text": "뷰어 답변", "seen_answers": "1", "manual": "1"},
              path)
    assert r.status_code == 403


def test_transfer_accept_and_bulk_and_reveal(staff):
    ws = staff.ws
    ids = file_items(ws, TEXTS)
    staff_users(ws)
    sign_in(staff, "road")
    path = f"/inbox/{ids['m3']}"
    r = _post(staff, f"{path}/transfer", {"department": "교통행정과", "reason": "교통 시설물"},
              path)
    assert r.status_code == 303
    assert "Waiting for 교통행정과" in staff.get(path).text
    r = _post(staff, "/inbox/bulk", {"action": "resolve", "ids": str(ids["m2"])}, "/inbox")
    assert r.status_code == 400                              # not road's item: nothing changed
    r = staff.post("/inbox/bulk", data={"action": "resolve", "ids": [str(ids["m1"])],
                                        "csrf_token": csrf(staff, "/inbox")})
    assert r.status_code == 303
    staff.post("/sign-out", data={"csrf_token": csrf(staff, "/inbox")})
    sign_in(staff, "traffic")
    waiting = staff.get("/inbox/transfers")
    assert "교통 시설물" in waiting.text
    tid = int(waiting.text.split('id="transfer-')[1].split('"')[0])
    r = _post(staff, f"/inbox/transfers/{tid}/accept", {"note": ""}, "/inbox/transfers")
    assert r.status_code == 303
    mine = staff.get("/inbox")
    assert f'id="item-{ids["m3"]}"' in mine.text
    assert "Time in each department" in staff.get(path).text
    # an officer may not reveal the original; a supervisor may, and it is logged
    r = _post(staff, f"/inbox/{ids['m3']}/reveal", {"reason": "전화 회신"}, path)
    assert r.status_code == 403
    staff.post("/sign-out", data={"csrf_token": csrf(staff, "/inbox")})
    sign_in(staff, "chief")
    one = f"/inbox/{ids['m1']}"
    r = _post(staff, f"{one}/reveal", {"reason": "전화 회신 필요"}, one)
    assert r.status_code == 200 and "010-1234-5678" in r.text
    assert "010-1234-5678" not in staff.get(one).text      # shown once, not kept on the page
    with ws.db.read() as conn:
        rows = conn.exec_driver_sql("SELECT action, target_id FROM audit_log "
                                    "WHERE action = 'inbox.reveal'").all()
    assert [(a, t) for a, t in rows] == [("inbox.reveal", str(ids["m1"]))]
    with ws.db.read() as conn:
        assert store.get_item(conn, ids["m1"]).status == "resolved"


def test_report_page_and_exports(staff):
    ws = staff.ws
    file_items(ws, TEXTS)
    staff_users(ws)
    sign_in(staff, "watcher")
    page = staff.get("/inbox/report")
    assert page.status_code == 200
    assert "<svg" in page.text and "Definitions" in page.text and "PERCENTILE.INC" in page.text
    assert staff.get("/inbox/report", params={"month": "2026-13"}).status_code == 400
    printable = staff.get("/inbox/report/print")
    assert printable.status_code == 200 and "inbox-print.css" in printable.text
    xlsx = staff.get("/inbox/report.xlsx")
    assert xlsx.status_code == 200
    from openpyxl import load_workbook

    book = load_workbook(io.BytesIO(xlsx.content), read_only=True)
    rows = [list(r) for r in book["Figures"].iter_rows(values_only=True)]
    total = dict(zip(rows[2], rows[3]))
    assert total["Received"] == 3
    items = staff.get("/inbox/report.csv", params={"items": "1"})
    assert items.status_code == 200 and "010-****-5678" in items.text \
        and "1234-5678" not in items.text


def test_ticket_number_opens_the_item_and_kind_correction(staff):
    ws = staff.ws
    ids = file_items(ws, TEXTS)
    staff_users(ws)
    sign_in(staff, "road")
    path = f"/inbox/{ids['m1']}"
    page = staff.get(path)
    ticket = page.text.split('class="muted ticket">')[1].split("<")[0].split()[-1]
    assert "-" in ticket and ticket.split("-")[1].lstrip("0") != str(ids["m1"])
    r = staff.get("/inbox", params={"q": ticket})
    assert r.status_code == 303 and r.headers["location"].endswith(path)
    r = _post(staff, f"{path}/kind", {"kind": "opinion"}, path)
    assert r.status_code == 303
    with ws.db.read() as conn:
        assert store.get_item(conn, ids["m1"]).kind == "opinion"
    assert "inbox.kind" in staff.get(path).text


def _transfer_choices(html: str) -> list[str]:
    """The department options of the item page's transfer form, in order."""
    import re

    form = html.split('class="stack transfer-form"')[1].split("</form>")[0]
    return re.findall(r'<option value="([^"]+)">', form)


def test_transfer_offers_the_departments_usual_first_and_refuses_an_unknown_one(staff):
    from outreach.users import accounts
    from outreach.users.audit import Actor

    from web_support import add_user

    ws = staff.ws
    ids = file_items(ws, {**TEXTS, "m4": "보도블록이 깨졌어요", "m5": "맨홀 뚜껑이 흔들려요"})
    staff_users(ws)
    for name in ("환경과", "건축과"):
        accounts.add_department(ws.db, Actor.system("test"), name)
    add_user(ws.db, "road2", "officer", departments=["도로과"], language="ko")
    sign_in(staff, "road")
    path = f"/inbox/{ids['m3']}"
    # every other department, never the item's own (도로과); no history yet: by name
    assert _transfer_choices(staff.get(path).text) == ["건축과", "교통행정과", "환경과"]
    # a name posted by hand that is no department: one line, no 5xx, nothing asked
    for bad in ("교통과", "<b>과</b>", "x" * 300):
        r = _post(staff, f"{path}/transfer", {"department": bad, "reason": "소관 아님"}, path)
        assert r.status_code == 400 and "no department named" in r.text, bad
        assert "<b>과" not in r.text
    r = _post(staff, f"{path}/transfer", {"department": " 도로과 ", "reason": "소관 아님"}, path)
    assert r.status_code == 400 and "already with 도로과" in r.text      # its own department
    r = _post(staff, f"{path}/transfer", {"department": "", "reason": "소관 아님"}, path)
    assert r.status_code == 400 and "name the department" in r.text
    assert "Waiting for" not in staff.get(path).text
    # one accepted transfer from 도로과 to 환경과: 환경과 comes first for 도로과's items
    r = _post(staff, f"{path}/transfer", {"department": "환경과", "reason": "하수 악취"}, path)
    assert r.status_code == 303 and "Waiting for 환경과" in staff.get(path).text
    staff.post("/sign-out", data={"csrf_token": csrf(staff, "/inbox")})
    sign_in(staff, "chief")
    waiting = staff.get("/inbox/transfers")
    tid = int(waiting.text.split('id="transfer-')[1].split('"')[0])
    assert _post(staff, f"/inbox/transfers/{tid}/accept", {"note": ""},
                 "/inbox/transfers").status_code == 303
    staff.post("/sign-out", data={"csrf_token": csrf(staff, "/inbox")})
    sign_in(staff, "road2")                                   # a Korean-speaking officer
    page = staff.get(f"/inbox/{ids['m4']}")
    assert _transfer_choices(page.text) == ["환경과", "건축과", "교통행정과"]
    assert "자주 보내는 부서" in page.text
    one = f"/inbox/{ids['m4']}"
    r = _post(staff, f"{one}/transfer", {"department": "없는과", "reason": "소관 아님"}, one)
    assert r.status_code == 400 and "없는과" in r.text and "다음 중에서 고르세요" in r.text


def test_bulk_route_to_an_unknown_department_is_refused_whole(staff):
    ws = staff.ws
    ids = file_items(ws, TEXTS)
    staff_users(ws)
    sign_in(staff, "chief")
    with ws.db.read() as conn:
        before = {i: store.get_item(conn, i).assignee for i in ids.values()}
    chosen = [str(i) for i in ids.values()]
    r = staff.post("/inbox/bulk", data={"action": "route", "value": "교통과", "ids": chosen,
                                        "csrf_token": csrf(staff, "/inbox")})
    assert r.status_code == 400
    assert "no department named 교통과: choose one of 교통행정과, 도로과" in r.text
    with ws.db.read() as conn:
        assert {i: store.get_item(conn, i).assignee for i in ids.values()} == before
        assert conn.exec_driver_sql("SELECT count(*) FROM audit_log WHERE action = "
                                    "'inbox.route'").scalar() == 0
    r = staff.post("/inbox/bulk", data={"action": "route", "value": "교통행정과", "ids": chosen,
                                        "csrf_token": csrf(staff, "/inbox")})
    assert r.status_code == 303
    with ws.db.read() as conn:
        assert {store.get_item(conn, i).assignee for i in ids.values()} == {"교통행정과"}
