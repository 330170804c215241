"""``outreach topics`` end to end in a sample workspace: rank, edit, export, follow-up post."""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone
from pathlib import Path

from outreach.cli import main
from outreach.publishing import model as m
from outreach.store.ledger import Ledger
from outreach.topics import labelled

from test_inbox_support import ingestor, reply
from web_support import web_workspace

DATA = Path(__file__).parent / "data" / "topics" / "messages.txt"
T0 = datetime(2026, 10, 5, 1, 0, tzinfo=timezone.utc)


def _ws(tmp_path, db_url):
    ws = web_workspace(tmp_path, db_url)
    messages, labels = labelled.load(DATA)
    chosen = [m for m, l in zip(messages, labels) if l in ("bus", "library", "trash")]
    replies = [reply(f"m{x.item_id}", x.text, author_id=x.author, when=T0 + timedelta(minutes=n))
               for n, x in enumerate(chosen)]
    with ws.db.begin() as conn:
        ingestor(ws.settings, now=lambda: T0 + timedelta(days=1)).ingest(conn, replies)
    return ws


def run(ws, *args) -> int:
    return main(["--root", str(ws.root), "topics", "--as", "kim", *args])


def test_rank_edit_export_and_follow_up(tmp_path, db_url, capsys):
    ws = _ws(tmp_path, db_url)
    xlsx = tmp_path / "q4.xlsx"
    assert run(ws, "rank", "--quarter", "2026Q4", "--xlsx", str(xlsx)) == 0
    assert xlsx.is_file() and "ranking 1:" in capsys.readouterr().out
    assert run(ws, "list", "--json") == 0
    view = json.loads(capsys.readouterr().out)
    first, second = view["groups"][0]["key"], view["groups"][1]["key"]
    assert run(ws, "merge", first, second) == 0
    assert run(ws, "rename", first, "버스와 도서관") == 0
    assert run(ws, "choose", first) == 0
    assert run(ws, "answer", first, "--text", "1월부터 증차합니다.") == 0
    capsys.readouterr()
    assert run(ws, "show", first) == 0
    shown = capsys.readouterr().out
    assert "버스와 도서관" in shown and shown.count("\n  #") == (
        view["groups"][0]["messages"] + view["groups"][1]["messages"])
    assert run(ws, "follow-up") == 0
    assert "1월부터 증차합니다." in capsys.readouterr().out
    assert run(ws, "follow-up", "--at", "2027-01-10 10:00", "--channel", "outbox") == 0
    out = capsys.readouterr().out
    occ = int(out.split("#")[1].split()[0])
    row = Ledger(ws.db).occurrence(occ)
    assert row["schedule"] == m.POST
    data = Path(ws.settings.var_dir) / "topics" / "follow-up-1.yaml"
    assert "1월부터 증차합니다." in data.read_text(encoding="utf-8")
    ws.db.dispose()


def test_bad_input_is_one_line_and_status_2(tmp_path, db_url, capsys):
    ws = _ws(tmp_path, db_url)
    assert run(ws, "rank", "--quarter", "2026Q5") == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "2026Q4" in err and "Traceback" not in err
    assert run(ws, "list") == 2                       # nothing ranked yet
    assert run(ws, "rank", "--quarter", "2026Q4") == 0
    assert run(ws, "merge", "g1", "g1") == 2
    assert run(ws, "split", "g1", "999999") == 2
    ws.db.dispose()
