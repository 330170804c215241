"""The ``[inbox]``, ``[inbox.kakao]`` and ``[server]`` tables of outreach.toml, checked once.

Every key has a default, so a workspace without these tables still has a
working inbox. Secrets (the author-hash salt, the Facebook app secret, the
Kakao skill key) are named by ``*_env`` keys and read from the environment.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import secrets
from dataclasses import dataclass, field
from datetime import date, time
from pathlib import Path
from typing import Any, Mapping

from ..config import CONFIG_NAME, Settings, line_of
from ..errors import ConfigError
from .timers import WorkingTime
from ..i18n import _

_DAYS = {"mon": 0, "tue": 1, "wed": 2, "thu": 3, "fri": 4, "sat": 5, "sun": 6,
         "월": 0, "화": 1, "수": 2, "목": 3, "금": 4, "토": 5, "일": 6}

DEFAULT_WELCOME = (
    "안녕하세요, 시청 카카오톡 민원 창구입니다.\n"
    "불편하신 점을 한 번에 자세히 적어 보내 주시면 담당 부서로 바로 전달해 드립니다.\n\n"
    "이용 안내\n"
    "· 평일 09:00~18:00에 담당 공무원이 순서대로 답변드립니다.\n"
    "· 이름, 주소, 전화번호, 주민등록번호는 적지 않으셔도 됩니다.\n"
    "· 욕설, 음란, 광고, 비방 글은 안내 없이 가려질 수 있습니다.\n"
    "· 급한 사고·재난은 119 또는 112로 먼저 신고해 주세요.")
DEFAULT_ACK = ("민원이 접수되었습니다. 접수번호는 {ticket}입니다.\n"
               "{department}에서 확인하여 {due}까지 1차 답변을 드리겠습니다.")
DEFAULT_MENU = "필요하신 곳을 눌러 주세요."
DEFAULT_THANKS = "따뜻한 말씀 감사합니다. 불편하신 점이 있으면 언제든 자세히 적어 보내 주세요."
DEFAULT_LINKS = (("블로그", "https://blog.naver.com/"),
                 ("페이스북", "https://www.facebook.com/"),
                 ("유튜브", "https://www.youtube.com/"),
                 ("민원 신청", "https://www.epeople.go.kr/"),
                 ("복지 상담", "https://www.bokjiro.go.kr/"))
DEFAULT_GREETINGS = ("안녕하세요", "안녕", "처음으로", "시작", "메뉴", "도움말", "hi", "hello")


@dataclass(frozen=True)
class KakaoTexts:
    """What the chatbot says; citizen-facing, so in Korean and editable."""

    channel: str = "kakao"
    welcome: str = DEFAULT_WELCOME
    ack: str = DEFAULT_ACK
    menu: str = DEFAULT_MENU
    links: tuple[tuple[str, str], ...] = DEFAULT_LINKS
    greetings: tuple[str, ...] = DEFAULT_GREETINGS
    thanks: str = DEFAULT_THANKS       # the answer to a thank-you or praise (no ticket)


@dataclass(frozen=True)
class InboxConfig:
    rules_file: Path
    replies_file: Path
    working: WorkingTime
    first_answer_hours: float = 4.0
    resolution_days: float = 7.0
    kakao: KakaoTexts = field(default_factory=KakaoTexts)
    salt: bytes = b""

    def author_key(self, channel: str, author_id: str | None) -> str | None:
        """A stable pseudonym for a platform user: HMAC of the id with the workspace salt."""
        if not author_id:
            return None
        digest = hmac.new(self.salt, f"{channel}:{author_id}".encode(), hashlib.sha256)
        return digest.hexdigest()[:16]


@dataclass(frozen=True)
class ServerConfig:
    host: str = "127.0.0.1"
    port: int = 8080
    max_body: int = 64 * 1024
    facebook_secret_env: str | None = None
    facebook_verify_env: str | None = None
    kakao_secret_env: str | None = None
    kakao_header: str = "X-Outreach-Skill-Key"
    kakao_query: str = "key"


class _Reader:
    """Typed access to one TOML table with errors naming file, line and key."""

    def __init__(self, settings: Settings, table: str) -> None:
        self.settings, self.table = settings, table
        parts = table.split(".")
        data: Any = settings.section(parts[0])
        for part in parts[1:]:
            data = data.get(part, {}) if isinstance(data, Mapping) else {}
        if not isinstance(data, Mapping):
            raise self.fail(_("expected a table"), parts[-1])
        self.data = data
        self.text = settings.file.read_text(encoding="utf-8") if settings.file else ""

    def fail(self, message: str, key: str) -> ConfigError:
        return ConfigError(message, file=self.settings.file or CONFIG_NAME,
                           line=line_of(self.text, key, self.table) if self.text else None,
                           key=f"{self.table}.{key}")

    def get(self, key: str, default: Any, type_: type | tuple[type, ...], what: str) -> Any:
        value = self.data.get(key, default)
        if not isinstance(value, type_) or isinstance(value, bool) and type_ is not bool:
            raise self.fail(_("expected {what}, got {value!r}", what=what, value=value), key)
        return value

    def path(self, key: str, default: str) -> Path:
        value = self.get(key, default, str, "a file path")
        path = Path(value)
        return path if path.is_absolute() else self.settings.root / path

    def clock(self, key: str, default: str) -> time:
        value = self.get(key, default, str, 'a time such as "09:00"')
        try:
            return time.fromisoformat(value)
        except ValueError:
            raise self.fail(_("expected a time such as \"09:00\", got {value!r}", value=value), key) from None

    def dates(self, key: str) -> frozenset[date]:
        values = self.get(key, [], list, 'a list of dates such as ["2026-05-01"]')
        out = set()
        for value in values:
            try:
                out.add(value if isinstance(value, date) else date.fromisoformat(str(value)))
            except ValueError:
                raise self.fail(_("expected dates such as \"2026-05-01\", got {value!r}",
                                  value=value), key) from None
        return frozenset(out)

    def env_name(self, key: str) -> str | None:
        for other in self.data:
            if any(w in other.lower() for w in ("secret", "token", "password")) \
                    and not other.endswith("_env"):
                raise self.fail(_("secrets do not belong in {config_name}: write {other}_env = "
                                  "\"VARIABLE_NAME\" and put the value in the environment or "
                                  ".env", config_name=CONFIG_NAME, other=other),
                                other)
        value = self.data.get(key)
        if value is not None and (not isinstance(value, str) or not value):
            raise self.fail(_("expected the name of an environment variable"), key)
        return value


def inbox_config(settings: Settings) -> InboxConfig:
    """The inbox settings of this workspace (defaults where a key is absent)."""
    r = _Reader(settings, "inbox")
    day_names = r.get("workdays", ["mon", "tue", "wed", "thu", "fri"], list,
                      'a list of days such as ["mon", "tue"]')
    if any(d not in _DAYS for d in day_names):
        raise r.fail(_("days are mon, tue, wed, thu, fri, sat, sun (or 월 ... 일)"), "workdays")
    working = WorkingTime(
        tz=settings.timezone, start=r.clock("workday_start", "09:00"),
        end=r.clock("workday_end", "18:00"), weekdays=frozenset(_DAYS[d] for d in day_names),
        country=r.get("holiday_country", "KR", str, 'a country code such as "KR"'),
        extra_holidays=r.dates("extra_holidays"), extra_workdays=r.dates("extra_workdays"))
    if working.day_hours <= 0:
        raise r.fail(_("workday_end must be later than workday_start"), "workday_end")
    first = r.get("first_answer_hours", 4, (int, float), "a number of working hours")
    days = r.get("resolution_days", 7, (int, float), "a number of working days")
    if first <= 0 or days <= 0:
        raise r.fail(_("deadlines must be positive"), "first_answer_hours" if first <= 0
                     else "resolution_days")
    salt_env = r.env_name("salt_env")
    salt = (settings.secret(salt_env, key="inbox.salt_env").encode() if salt_env
            else _salt_file(settings.var_dir))
    return InboxConfig(rules_file=r.path("rules", "inbox/rules.yaml"),
                       replies_file=r.path("replies", "inbox/replies.yaml"),
                       working=working, first_answer_hours=float(first),
                       resolution_days=float(days), kakao=_kakao(settings), salt=salt)


def _kakao(settings: Settings) -> KakaoTexts:
    r = _Reader(settings, "inbox.kakao")
    links = r.get("links", None, (list, type(None)), 'a list of {label = "...", url = "..."}')
    if links is None:
        parsed = DEFAULT_LINKS
    else:
        parsed = []
        for link in links:
            if not (isinstance(link, Mapping) and isinstance(link.get("label"), str)
                    and isinstance(link.get("url"), str)):
                raise r.fail(_("each link needs label = \"...\" and url = \"https://...\""), "links")
            parsed.append((link["label"], link["url"]))
        parsed = tuple(parsed)
    if len(parsed) > 9:
        raise r.fail(_("Kakao shows at most 10 quick replies: keep 9 links or fewer"), "links")
    ack = r.get("ack", DEFAULT_ACK, str, "a text")
    try:
        ack.format(ticket=1, department="", due="")
    except (KeyError, IndexError, ValueError) as exc:
        raise r.fail(_("the acknowledgement may only use {{ticket}}, {{department}} and {{due}} "
                       "(problem: {exc})", exc=exc), "ack") from None
    return KakaoTexts(channel=r.get("channel", "kakao", str, "a channel name"),
                      welcome=r.get("welcome", DEFAULT_WELCOME, str, "a text"),
                      ack=ack,
                      menu=r.get("menu", DEFAULT_MENU, str, "a text"),
                      thanks=r.get("thanks", DEFAULT_THANKS, str, "a text"),
                      links=parsed,
                      greetings=tuple(r.get("greetings", list(DEFAULT_GREETINGS), list,
                                            "a list of texts")))


def server_config(settings: Settings) -> ServerConfig:
    r = _Reader(settings, "server")
    fb = _Reader(settings, "server.facebook")
    kk = _Reader(settings, "server.kakao")
    port = r.get("port", 8080, int, "a port number")
    max_body = r.get("max_body", 64 * 1024, int, "a size in bytes")
    if not 0 <= port < 65536:
        raise r.fail(_("expected a port number between 1 and 65535"), "port")
    if max_body < 1024:
        raise r.fail(_("expected at least 1024 bytes"), "max_body")
    return ServerConfig(host=r.get("host", "127.0.0.1", str, "a host name or address"),
                        port=port, max_body=max_body,
                        facebook_secret_env=fb.env_name("app_secret_env"),
                        facebook_verify_env=fb.env_name("verify_token_env"),
                        kakao_secret_env=kk.env_name("secret_env"),
                        kakao_header=kk.get("header", "X-Outreach-Skill-Key", str, "a header name"),
                        kakao_query=kk.get("query", "key", str, "a query parameter name"))


def _salt_file(var_dir: Path) -> bytes:
    """The workspace salt under var/, created once (atomically: temp file, then link)."""
    path = var_dir / "inbox.salt"
    if not path.exists():
        from ..storage import private_dir

        private_dir(var_dir)            # owner-only, like the database beside it
        tmp = var_dir / f".inbox.salt.{os.getpid()}.{secrets.token_hex(4)}"
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as fh:
            fh.write(secrets.token_hex(32))
        try:
            os.link(tmp, path)
        except FileExistsError:
            pass  # another process won the race; use its salt
        finally:
            tmp.unlink()
    return path.read_text(encoding="utf-8").strip().encode()
