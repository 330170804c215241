"""Jinja2 for templates staff edit: an immutable sandbox, strict undefined, Korean filters.

Strings in template.yaml that contain ``{{`` or ``{%`` are evaluated here
against the data; a value that is exactly one ``{{ expression }}`` keeps its
type (a list for ``repeat``, a date, a number). Every failure becomes a
TemplateError naming the file and line the staff member has to fix.
"""

from __future__ import annotations

import re
import sys
import threading
import weakref
from datetime import date, datetime, time
from functools import lru_cache
from pathlib import Path
from typing import Any, Callable, Mapping

import jinja2
import jinja2.ext
from jinja2.sandbox import ImmutableSandboxedEnvironment

from ..errors import DataError, TemplateError
from ..i18n import _

WEEKDAYS = "월화수목금토일"
_SINGLE_EXPR = re.compile(r"^\s*\{\{(?P<expr>(?:(?!\}\}|\{\{|\{%).)*)\}\}\s*$", re.S)
# ``{{ name }}`` or ``{{ name.attr.attr }}``: looked up without compiling (see _Lookup)
_LOOKUP = re.compile(r"^\s*\{\{\s*(?P<path>[A-Za-z_][A-Za-z0-9_]*(?:\s*\.\s*[A-Za-z_][A-Za-z0-9_]*)*)"
                     r"\s*\}\}\s*$")
# words the Jinja2 parser reads as constants or operators, never as a variable's name
_NOT_NAMES = frozenset({"true", "false", "none", "True", "False", "None", "and", "or", "not",
                        "in", "is", "if", "else"})


def _as_date(value: Any) -> date:
    if isinstance(value, datetime):
        return value
    if isinstance(value, date):
        return value
    if isinstance(value, str):
        try:
            return datetime.fromisoformat(value)
        except ValueError:
            return date.fromisoformat(value)
    raise TypeError(f"expected a date, got {value!r}")


def kdate(value: Any, style: str = "short") -> str:
    """5월 16일(토) | long: 2026년 5월 16일 토요일 | dot: 5.16(토) | md: 5월 16일."""
    d = _as_date(value)
    wd = WEEKDAYS[d.weekday()]
    if style == "long":
        return f"{d.year}년 {d.month}월 {d.day}일 {wd}요일"
    if style == "dot":
        return f"{d.month}.{d.day}({wd})"
    if style == "md":
        return f"{d.month}월 {d.day}일"
    return f"{d.month}월 {d.day}일({wd})"


def kdate_range(start: Any, end: Any = None, style: str = "short") -> str:
    """5월 16일(토) ~ 17일(일); across months both months; no end -> one date."""
    s = _as_date(start)
    if end is None or _as_date(end) == s:
        return kdate(s, style)
    e = _as_date(end)
    if style == "dot":
        return f"{kdate(s, 'dot')} ~ {kdate(e, 'dot')}"
    tail = f"{e.day}일({WEEKDAYS[e.weekday()]})" if (e.year, e.month) == (s.year, s.month) \
        else kdate(e, style)
    return f"{kdate(s, style)} ~ {tail}"


def ktime(value: Any) -> str:
    """16:00 -> 오후 4시; 09:30 -> 오전 9시 30분; 12:00 -> 낮 12시."""
    if isinstance(value, str):
        value = time.fromisoformat(value)
    if isinstance(value, datetime):
        value = value.time()
    if not isinstance(value, time):
        raise TypeError(f"expected a time like 16:00, got {value!r}")
    hour = value.hour
    if hour == 12:
        head = "낮 12시"
    elif hour == 0:
        head = "밤 12시"
    else:
        head = f"{'오전' if hour < 12 else '오후'} {hour % 12}시"
    return f"{head} {value.minute}분" if value.minute else head


def won(value: Any) -> str:
    """2000 -> 2,000원; 0 -> 무료."""
    amount = int(value)
    return "무료" if amount == 0 else f"{amount:,}원"


def hashtags(values: Any) -> str:
    """['천안', '주말 나들이'] -> '#천안 #주말나들이'."""
    if isinstance(values, str):
        values = [values]
    tags = ["#" + str(v).lstrip("#").replace(" ", "") for v in values if str(v).strip()]
    return " ".join(dict.fromkeys(tags))


def stamp(value: Any) -> str:
    """A datetime as a Korean time stamp: 5월 16일(토) 오후 4시 30분."""
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    return f"{kdate(value)} {ktime(value)}"


FILTERS: dict[str, Callable[..., Any]] = {
    "kdate": kdate, "kdate_range": kdate_range, "ktime": ktime, "won": won,
    "hashtags": hashtags, "stamp": stamp,
}


_STANDALONE_TAG = re.compile(r"(?m)^[ \t]*(\{%(?:(?!%\}).)*%\})[ \t]*\n")


class StandaloneTags(jinja2.ext.Extension):
    """A line holding only ``{% ... %}`` leaves no trace in the output; other lines keep theirs.

    (Jinja2's trim_blocks also eats the newline after ``{% endif %}`` at the end of
    a text line, which surprises anyone writing a caption.) The newline moves into
    a comment so error line numbers stay right.
    """

    def preprocess(self, source: str, name: str | None, filename: str | None = None) -> str:
        return _STANDALONE_TAG.sub(lambda m: m.group(1) + "{#\n#}", source)


def make_env(*, autoescape: bool = False, folder: Path | None = None) -> ImmutableSandboxedEnvironment:
    """The sandbox every template string and text template is rendered in."""
    loader = jinja2.FileSystemLoader(str(folder)) if folder else None
    env = ImmutableSandboxedEnvironment(undefined=jinja2.StrictUndefined, autoescape=autoescape,
                                        loader=loader, keep_trailing_newline=False,
                                        extensions=[StandaloneTags])
    env.filters.update(FILTERS)
    return env


@lru_cache(maxsize=1)
def expression_env() -> ImmutableSandboxedEnvironment:
    """The one sandbox for template strings (template.yaml), shared by renders in a process
    so each string is compiled once (see ``Evaluator``)."""
    return make_env()


class _CheckedLoader(jinja2.FileSystemLoader):
    """A FileSystemLoader whose cached templates stay valid only while the file's text is
    unchanged (Jinja2's own check compares modification times, which a quick edit in the
    same clock tick can leave equal)."""

    def get_source(self, environment: jinja2.Environment, template: str
                   ) -> tuple[str, str, Callable[[], bool]]:
        source, filename, _ = super().get_source(environment, template)

        def uptodate() -> bool:
            try:
                return Path(filename).read_text(encoding=self.encoding) == source
            except OSError:
                return False

        return source, filename, uptodate


@lru_cache(maxsize=64)
def text_env(folder: Path, autoescape: bool = False) -> ImmutableSandboxedEnvironment:
    """The sandbox for a template's ``texts/*.j2``, kept per folder so the texts are compiled
    once per process; an edited file is read and compiled again."""
    env = make_env(autoescape=autoescape)
    env.loader = _CheckedLoader(str(folder))
    return env


def is_template(value: Any) -> bool:
    return isinstance(value, str) and ("{{" in value or "{%" in value)


def explain(exc: Exception) -> str:
    """A staff-readable sentence for a Jinja2 failure."""
    if isinstance(exc, jinja2.UndefinedError):
        return (f"{exc.message}: use one of the fields declared in template.yaml "
                "(or mark it optional and test it with {% if ... %})")
    if isinstance(exc, jinja2.TemplateSyntaxError):
        return f"Jinja2 syntax error: {exc.message}"
    if isinstance(exc, jinja2.exceptions.SecurityError):
        return f"not allowed in a template: {exc}"
    return f"{type(exc).__name__}: {exc}"


_COMPILED: "weakref.WeakKeyDictionary[jinja2.Environment, dict[str, Any]]" = \
    weakref.WeakKeyDictionary()
_COMPILED_LOCK = threading.Lock()
_COMPILED_MAX = 4096


class _Lookup:
    """A template string that is only a variable and its attributes (``{{ item.title }}``,
    a third of a template's strings), evaluated as the compiled expression evaluates it
    (the context's variable, then the sandbox's ``getattr`` for each attribute) without
    compiling it: Jinja2 spends about a millisecond compiling each string, which a new
    post pays for every string of its template. Anything else (a global like ``range``,
    an undefined name or attribute, an unsafe attribute) returns ``None`` and the caller
    compiles the string, so values and errors are exactly those of Jinja2."""

    __slots__ = ("name", "attrs")

    def __init__(self, path: str) -> None:
        self.name, *attrs = (part.strip() for part in path.split("."))
        self.attrs = tuple(attrs)

    def __call__(self, env: ImmutableSandboxedEnvironment, ctx: Mapping[str, Any]
                 ) -> tuple[Any] | None:
        try:
            value = ctx[self.name]
            for attr in self.attrs:
                value = env.getattr(value, attr)
        except Exception:  # noqa: BLE001 - the compiled string raises it, as the template's
            return None
        return None if isinstance(value, jinja2.Undefined) else (value,)

    @staticmethod
    def of(source: str) -> "_Lookup | None":
        match = _LOOKUP.match(source)
        if match is None:
            return None
        lookup = _Lookup(match["path"])
        if lookup.name in _NOT_NAMES or _NOT_NAMES.intersection(lookup.attrs):
            return None
        return lookup


class Evaluator:
    """Evaluates template strings from one file, caching compiled templates per environment
    (with ``expression_env()``, across the renders of a process)."""

    def __init__(self, env: ImmutableSandboxedEnvironment, file: Path) -> None:
        self.env = env
        self.file = file
        with _COMPILED_LOCK:
            self._cache = _COMPILED.setdefault(env, {})

    def _compiled(self, source: str, line: int | None, key: str | None,
                  lookups: bool = True) -> Any:
        hit = self._cache.get(source)
        if hit is None or (not lookups and isinstance(hit, _Lookup)):
            hit = _Lookup.of(source) if lookups else None
            if hit is None:
                try:
                    match = _SINGLE_EXPR.match(source)
                    hit = (self.env.compile_expression(match["expr"], undefined_to_none=False)
                           if match else self.env.from_string(source))
                except jinja2.TemplateSyntaxError as exc:
                    raise TemplateError(explain(exc), file=self.file, line=line,
                                        key=key) from None
            if len(self._cache) >= _COMPILED_MAX:
                self._cache.clear()
            self._cache[source] = hit
        return hit

    def value(self, source: Any, ctx: Mapping[str, Any], *, line: int | None = None,
              key: str | None = None) -> Any:
        """``source`` evaluated: template strings rendered, other values returned as they are."""
        if not is_template(source):
            return source
        compiled = self._compiled(source, line, key)
        if isinstance(compiled, _Lookup):
            found = compiled(self.env, ctx)
            if found is not None:
                return found[0]
            compiled = self._compiled(source, line, key, lookups=False)
        try:
            if isinstance(compiled, jinja2.Template):
                return compiled.render(ctx)
            result = compiled(**ctx)
            if isinstance(result, jinja2.Undefined):
                result._fail_with_undefined_error()
            return result
        except TemplateError:
            raise
        except Exception as exc:  # noqa: BLE001 - any template failure is the template's
            raise DataError(explain(exc), file=self.file, line=line, key=key) from None

    def deep(self, source: Any, ctx: Mapping[str, Any], *, line: int | None = None,
             key: str | None = None) -> Any:
        """Evaluate every template string inside dicts and lists."""
        if isinstance(source, dict):
            return {k: self.deep(v, ctx, line=_line(source, k, line), key=f"{key}.{k}" if key else k)
                    for k, v in source.items()}
        if isinstance(source, list):
            return [self.deep(v, ctx, line=_line(source, i, line), key=f"{key}[{i}]")
                    for i, v in enumerate(source)]
        return self.value(source, ctx, line=line, key=key)


def _line(container: Any, key: Any, default: int | None) -> int | None:
    finder = getattr(container, "line_of", None)
    return finder(key) if finder else default


def render_file(env: ImmutableSandboxedEnvironment, name: str, ctx: Mapping[str, Any],
                file: Path) -> str:
    """Render a text template from the env's folder; errors carry the template's own line."""
    try:
        return env.get_template(name).render(ctx)
    except jinja2.TemplateSyntaxError as exc:
        raise TemplateError(explain(exc), file=file, line=exc.lineno) from None
    except jinja2.TemplateNotFound as exc:
        raise TemplateError(_("included template {name!r} not found", name=exc.name), file=file) from None
    except Exception as exc:  # noqa: BLE001
        raise DataError(explain(exc), file=file, line=_template_line(file)) from None


def _template_line(file: Path) -> int | None:
    """The template line Jinja2 put into the traceback of the exception being handled."""
    tb = sys.exc_info()[2]
    line = None
    target = str(file)
    while tb is not None:
        if tb.tb_frame.f_code.co_filename == target:
            line = tb.tb_lineno
        tb = tb.tb_next
    return line
