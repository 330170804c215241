"""Staff-edited files kept parsed and read again only when they changed on disk
(outreach.filecache.ParsedFiles), as the item page reads the saved replies
(answers.current_saved) and ingestion the triage rules (triage.current_rules)."""

from __future__ import annotations

import os
import threading
from pathlib import Path

import pytest

from outreach.errors import ConfigError
from outreach.filecache import ParsedFiles
from outreach.inbox.answers import current_saved, load_saved
from outreach.inbox.triage import current_rules

REPLIES = "접수안내: '{ticket}번으로 접수했습니다'\n현장확인: 오늘 확인하겠습니다\n"
RULES = "categories:\n  - name: 도로\n    department: 도로과\n    keywords: [가로등]\n"


def _write(path: Path, text: str, *, mtime_ns: int | None = None) -> None:
    path.write_text(text, encoding="utf-8")
    if mtime_ns is not None:
        os.utime(path, ns=(mtime_ns, mtime_ns))


def _bump(path: Path, text: str) -> None:
    """An edit by hand: new content, the modification time a second later."""
    before = path.stat().st_mtime_ns
    _write(path, text, mtime_ns=before + 1_000_000_000)


def test_an_unchanged_file_is_the_very_same_object(tmp_path):
    replies, rules = tmp_path / "replies.yaml", tmp_path / "rules.yaml"
    _write(replies, REPLIES)
    _write(rules, RULES)
    first = current_saved(replies)
    assert first == {"접수안내": "{ticket}번으로 접수했습니다", "현장확인": "오늘 확인하겠습니다"}
    assert current_saved(replies) is first
    assert current_saved(Path(os.path.relpath(replies))) is first     # same file, other spelling
    first_rules = current_rules(rules)
    assert first_rules.categories[0].department == "도로과"
    assert current_rules(rules) is first_rules


def test_a_changed_file_is_read_again(tmp_path):
    path = tmp_path / "replies.yaml"
    _write(path, REPLIES)
    first = current_saved(path)
    same_size = REPLIES.replace("오늘", "내일")
    assert len(same_size.encode()) == len(REPLIES.encode())
    _bump(path, same_size)                        # same size: the time tells
    second = current_saved(path)
    assert second is not first and second["현장확인"] == "내일 확인하겠습니다"
    assert current_saved(path) is second

    # saved as the web editor saves (a new file renamed into place), same size and the
    # same modification time as before: the inode tells
    stamp = path.stat().st_mtime_ns
    new = tmp_path / "replies.yaml.new"
    _write(new, REPLIES.replace("오늘", "모레"), mtime_ns=stamp)
    os.replace(new, path)
    assert path.stat().st_mtime_ns == stamp
    assert current_saved(path)["현장확인"] == "모레 확인하겠습니다"

    rules = tmp_path / "rules.yaml"
    _write(rules, RULES)
    before = current_rules(rules)
    _bump(rules, RULES.replace("도로과", "교통과"))
    assert current_rules(rules).categories[0].department == "교통과"
    assert before.categories[0].department == "도로과"                 # kept value untouched


def test_a_removed_or_broken_file_raises_as_the_loader_does(tmp_path):
    path = tmp_path / "replies.yaml"
    _write(path, REPLIES)
    current_saved(path)
    path.unlink()
    with pytest.raises(ConfigError) as kept:
        current_saved(path)
    with pytest.raises(ConfigError) as plain:
        load_saved(path)
    assert str(kept.value) == str(plain.value) and "replies.yaml" in str(kept.value)

    _write(path, "나쁜답변: '{이름}님'\n")       # back, but broken: raises on every call
    for _ in range(2):
        with pytest.raises(ConfigError, match=r"replies.yaml:1: 나쁜답변"):
            current_saved(path)
    _bump(path, "새답변: 고맙습니다\n")
    assert current_saved(path) == {"새답변": "고맙습니다"}

    rules = tmp_path / "rules.yaml"
    _write(rules, RULES)
    current_rules(rules)
    rules.unlink()
    with pytest.raises(ConfigError, match="rules.yaml"):
        current_rules(rules)


def test_parsed_once_per_change_even_with_concurrent_readers(tmp_path):
    path = tmp_path / "replies.yaml"
    _write(path, REPLIES)
    parsed: list[Path] = []

    def parse(p: Path) -> dict[str, str]:
        parsed.append(p)
        return load_saved(p)

    files = ParsedFiles(parse)
    first = files.get(path)
    seen: list[object] = []
    threads = [threading.Thread(target=lambda: seen.extend(files.get(path) for _ in range(50)))
               for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(parsed) == 1 and len(seen) == 200 and all(s is first for s in seen)
    _bump(path, "새답변: 고맙습니다\n")
    assert files.get(path) == {"새답변": "고맙습니다"} and len(parsed) == 2
