"""The two inbox files staff edit from the web: saved replies (inbox/replies.yaml) and
triage rules (inbox/rules.yaml).

Both are saved the way the studio saves card data (``studio.files``): written
atomically, one writer at a time (``files.locked``), each version kept under
``inbox/.history/<name>/`` with who saved it and when, earlier versions
restorable, and an audit row per save or restore. The first save from the web
first records the file as it was (edited by hand until then) as a version, so
that text can be restored too.

- Saved replies are rewritten from their data: the file's header comment block is
  kept, the comments between replies are not (the page is where they are edited
  now). Each reply's placeholders are checked before anything is written.
- Rules are saved exactly as typed (comments included), after the engine's own
  loader (``triage.parse_rules``) accepted them.

Two editors who opened the same file and both save: the second is told the file
changed (``FileChanged``; their text stays on the page) and nothing is written.
The check compares the text each editor started from with the file's text now,
so a change made by hand on the server is noticed as well.

The processes that use these files keep them parsed and read them again only when
they changed on disk (``filecache.ParsedFiles``: modification time, size, inode):
the inbox answer box asks for the saved replies on every item page
(``answers.current_saved``), ingestion for the rules (``triage.current_rules``). A
save here renames a new file into place, so the next request sees it; so does an
edit by hand on the server.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from ..config import Settings
from ..errors import DataError
from ..i18n import _, text as i18n_text
from ..studio import files
from ..users.audit import Actor
from .answers import PLACEHOLDERS, load_saved
from .desk import REPLY_LIMITS
from .settings import inbox_config
from .triage import FLAGS, PRIORITY_LABELS, Rules, classify, parse_rules

# what the saved replies page fills the placeholders with in its preview
SAMPLE = {"ticket": "20261130-7KQ2MD", "department": "도로과", "due": "12월 1일 18:00",
          "resolve_due": "12월 7일 18:00", "author": "홍길동", "channel": "Facebook",
          "date": "11월 30일"}
NAME_MAX = 40
TEXT_MAX = 10_000
RULES_MAX = 500_000
REPLIES_HEADER = ("# 자주 쓰는 답변\n#\n# 답변 안에 {ticket} {department} {due} {resolve_due} "
                  "{author} {channel} {date} 자리표시를 쓰면 보낼 때 채워집니다.")


class FileChanged(DataError):
    """The file changed since the editor opened it; nothing was written."""

    def __init__(self, shown: str, latest: files.Version | None, by_hand: bool) -> None:
        if latest is not None and not by_hand:
            message = _("{file} was saved by {who} (version {n}) while you were editing: "
                        "nothing was written; your text is kept below. Open the page again "
                        "to see theirs, then make your change again",
                        file=shown, who=latest.by, n=latest.number)
        else:
            message = _("{file} was changed on the server while you were editing: nothing "
                        "was written; your text is kept below. Open the page again to see "
                        "the change, then make yours again", file=shown)
        super().__init__(message)


def fingerprint(text: str) -> str:
    """What an editor started from (a hidden form field): the file's text, hashed."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:20]


def brace_problem(text: str) -> str | None:
    """The piece of ``text`` around a brace without its partner ({{ and }} are literal
    braces); None when every brace is paired."""
    i = 0
    while i < len(text):
        ch = text[i]
        if ch == "{":
            if text.startswith("{{", i):
                i += 2
                continue
            close = text.find("}", i)
            opening = text.find("{", i + 1)
            if close < 0 or (0 <= opening < close):
                return text[i:i + 12].split("\n")[0]
            i = close + 1
            continue
        if ch == "}":
            if text.startswith("}}", i):
                i += 2
                continue
            return text[max(0, i - 11):i + 1].split("\n")[-1]
        i += 1
    return None


def check_reply(name: str, text: str, others: dict[str, str] | None = None) -> tuple[str, str]:
    """The reply's name and text as they will be saved; DataError naming the reply and
    the placeholder when something is wrong."""
    name = " ".join(name.split())
    text = text.replace("\r\n", "\n").replace("\r", "\n").strip()
    if not name:
        raise DataError(_("give the saved reply a name (e.g. 접수안내)"))
    if len(name) > NAME_MAX:
        raise DataError(_("saved reply {name!r}: the name is longer than {n} characters",
                          name=name[:NAME_MAX] + "…", n=NAME_MAX))
    if others is not None and name in others:
        raise DataError(_("there is already a saved reply named {name!r}: choose another name",
                          name=name))
    if not text:
        raise DataError(_("saved reply {name!r}: write the text of the answer", name=name))
    if len(text) > TEXT_MAX:
        raise DataError(_("saved reply {name!r} is longer than {n} characters",
                          name=name, n=f"{TEXT_MAX:,}"))
    known = " ".join(f"{{{k}}}" for k in PLACEHOLDERS)
    broken = brace_problem(text)
    if broken is not None:
        raise DataError(_("saved reply {name!r}: the brace in {piece!r} has no partner. Write "
                          "a placeholder whole, like {{ticket}}; write a literal brace as "
                          "{{{{ or }}}}", name=name, piece=broken))
    import string

    for _lit, field, _spec, _conv in string.Formatter().parse(text):
        if field is not None and field not in PLACEHOLDERS:
            raise DataError(_("saved reply {name!r}: unknown placeholder {{{field}}}. Use one "
                              "of {known}", name=name, field=field, known=known))
    return name, text


def fill(text: str, values: dict[str, str] | None = None) -> str:
    """The text with its placeholders filled (the sample values by default)."""
    return text.format(**(values or SAMPLE))


@dataclass(frozen=True)
class Limit:
    channel: str
    limit: int
    length: int

    @property
    def over(self) -> bool:
        return self.length > self.limit


def limits(text: str) -> list[Limit]:
    """The filled text's length against each channel's answer limit (the answer box's)."""
    return [Limit(channel, limit, len(text)) for channel, limit in REPLY_LIMITS.items()]


@dataclass(frozen=True)
class Trial:
    """What the rules make of a sample sentence (the rules page's try box)."""

    categories: tuple[str, ...]
    department: str | None
    priority: str
    kind: str
    flags: tuple[str, ...]
    auto_hide: bool


class InboxFiles:
    """Read, check, save and restore the saved replies and the triage rules."""

    def __init__(self, settings: Settings, db: Any = None) -> None:
        self.settings, self.db = settings, db
        cfg = inbox_config(settings)
        self.replies_file: Path = cfg.replies_file
        self.rules_file: Path = cfg.rules_file

    # -- shared -----------------------------------------------------------------
    def shown(self, path: Path) -> str:
        """The file's name as staff know it (relative to the workspace)."""
        try:
            return path.relative_to(self.settings.root).as_posix()
        except ValueError:
            return str(path)

    @staticmethod
    def text_of(path: Path) -> str:
        return path.read_text(encoding="utf-8") if path.is_file() else ""

    def history(self, path: Path) -> list[files.Version]:
        return files.history(path)

    def _write(self, path: Path, text: str, *, actor: Actor, based_on: str | None,
               action: str, changes: list[str], note: str = "",
               detail: dict[str, Any] | None = None) -> files.Version | None:
        """Write ``text`` (already checked) unless the file changed since ``based_on``."""
        with files.locked(path):
            current = self.text_of(path)
            versions = files.history(path)
            if based_on is not None and based_on != fingerprint(current):
                by_hand = not versions or files.version_text(path, versions[0].number) != current
                raise FileChanged(self.shown(path), versions[0] if versions else None, by_hand)
            if current == text:
                return None
            if path.is_file() and (not versions or
                                   files.version_text(path, versions[0].number) != current):
                # edited by hand since (or before) the last save here: keep that text too
                files.save_text(path, current, by="(server file)",
                                note=i18n_text("the file as found before this save"))
            version = files.save_text(path, text, by=actor.name, note=note,
                                      changes=changes[:20])
        self._audit(actor, action, path, {"version": version.number,
                                          "changes": version.changes[:20], **(detail or {})})
        return version

    def _audit(self, actor: Actor, action: str, path: Path, detail: dict[str, Any]) -> None:
        if self.db is None:
            return
        from ..users.audit import record

        with self.db.begin() as conn:
            record(conn, actor, action, "inbox_file", self.shown(path), detail)

    def restore(self, path: Path, number: int, *, actor: Actor,
                based_on: str | None = None) -> files.Version:
        """Save version ``number`` again as the newest (checked first, like any save)."""
        if path not in (self.replies_file, self.rules_file):
            raise DataError(_("not an inbox file"))
        text = files.version_text(path, number)
        if path == self.rules_file:
            self.check_rules(text)
        else:
            self._check_replies_text(text)
        version = self._write(path, text, actor=actor, based_on=based_on,
                              action=("inbox.rules.restore" if path == self.rules_file
                                      else "inbox.replies.restore"),
                              changes=[], note=i18n_text("restored version {n}", n=number),
                              detail={"restored": number})
        if version is None:
            raise DataError(_("version {n} is what the file holds now: nothing to restore",
                              n=number))
        return version

    # -- saved replies ------------------------------------------------------------
    def replies(self) -> tuple[dict[str, str], str]:
        """The saved replies in file order, and the fingerprint to save against."""
        text = self.text_of(self.replies_file)
        saved = load_saved(self.replies_file) if self.replies_file.is_file() else {}
        return saved, fingerprint(text)

    def _check_replies_text(self, text: str) -> None:
        import tempfile

        with tempfile.TemporaryDirectory() as tmp:
            probe = Path(tmp) / self.replies_file.name
            probe.write_text(text, encoding="utf-8")
            load_saved(probe)

    def _replies_text(self, saved: dict[str, str]) -> str:
        header = files.header_of(self.replies_file) or REPLIES_HEADER
        if not saved:
            return header.rstrip() + "\n"
        body = "\n".join(files.dump({name: text}, block=True) for name, text in saved.items())
        return header.rstrip() + "\n\n" + body

    def put_reply(self, old_name: str | None, name: str, text: str, *, actor: Actor,
                  based_on: str | None) -> files.Version | None:
        """Add a reply (``old_name`` None) or change one's text and/or name (it keeps its
        place in the file)."""
        saved, read_fp = self.replies()
        based_on = read_fp if based_on is None else based_on   # never over an unread change
        if old_name is not None and old_name not in saved:
            raise DataError(_("there is no saved reply named {name!r} any more: open the "
                              "page again", name=old_name))
        others = {k: v for k, v in saved.items() if k != old_name}
        name, text = check_reply(name, text, others)
        if old_name is None:
            new = {**saved, name: text}
            action, changes = "inbox.replies.add", [name]
        else:
            new = {(name if k == old_name else k): (text if k == old_name else v)
                   for k, v in saved.items()}
            action = "inbox.replies.rename" if name != old_name else "inbox.replies.edit"
            changes = [old_name] if name == old_name else [old_name, name]
        return self._write(self.replies_file, self._replies_text(new), actor=actor,
                           based_on=based_on, action=action, changes=changes,
                           detail={"name": name, **({"was": old_name} if old_name not in
                                                    (None, name) else {})})

    def delete_reply(self, name: str, *, actor: Actor, based_on: str | None
                     ) -> files.Version | None:
        saved, read_fp = self.replies()
        based_on = read_fp if based_on is None else based_on
        if name not in saved:
            raise DataError(_("there is no saved reply named {name!r} any more: open the "
                              "page again", name=name))
        new = {k: v for k, v in saved.items() if k != name}
        return self._write(self.replies_file, self._replies_text(new), actor=actor,
                           based_on=based_on, action="inbox.replies.delete", changes=[name],
                           detail={"name": name})

    # -- triage rules ---------------------------------------------------------------
    def rules_text(self) -> tuple[str, str]:
        text = self.text_of(self.rules_file)
        return text, fingerprint(text)

    def check_rules(self, text: str) -> Rules:
        """The rules ``text`` makes, checked by the engine's loader; ConfigError naming the
        file (as staff know it), the line and the field otherwise."""
        if len(text) > RULES_MAX:
            raise DataError(_("the rules are longer than {n} characters", n=f"{RULES_MAX:,}"))
        return parse_rules(_normal(text), Path(self.shown(self.rules_file)))

    def try_rules(self, text: str, sample: str) -> Trial:
        """Classify ``sample`` with the rules as typed (saved or not)."""
        rules = self.check_rules(text)
        verdict = classify(rules, sample)
        return Trial(verdict.categories, verdict.department, PRIORITY_LABELS[verdict.priority],
                     verdict.kind, tuple(rules.label(f) for f in verdict.flags if f in FLAGS),
                     verdict.auto_hide)

    def save_rules(self, text: str, *, actor: Actor, based_on: str | None
                   ) -> files.Version | None:
        text = _normal(text)
        self.check_rules(text)
        old, read_fp = self.rules_text()
        based_on = read_fp if based_on is None else based_on
        return self._write(self.rules_file, text, actor=actor, based_on=based_on,
                           action="inbox.rules.save", changes=_rule_changes(old, text))


def _normal(text: str) -> str:
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    return text if text.endswith("\n") or not text else text + "\n"


def _rule_changes(old: str, new: str) -> list[str]:
    """Which sections and categories changed (for the history list and the audit row)."""
    try:
        a, b = yaml.safe_load(old) or {}, yaml.safe_load(new) or {}
    except yaml.YAMLError:
        return ["rules"]
    if not isinstance(a, dict) or not isinstance(b, dict):
        return ["rules"]
    out = []
    for key in dict.fromkeys([*a, *b]):
        x, y = a.get(key), b.get(key)
        if x == y:
            continue
        if key == "categories" and isinstance(x, list) and isinstance(y, list):
            named = lambda rows: {str(r.get("name")): r for r in rows if isinstance(r, dict)}
            nx, ny = named(x), named(y)
            out += [f"categories.{n}" for n in dict.fromkeys([*nx, *ny]) if nx.get(n) != ny.get(n)]
            if not any(o.startswith("categories.") for o in out):
                out.append("categories")       # only the order changed
        else:
            out.append(str(key))
    return out or ["comments"]
