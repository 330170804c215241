"""``[autopilot]`` in outreach.toml: keys, region codes, grid points, calendar.

The autopilot is off until its service key is set in the environment (or .env),
so a fresh or sample workspace never calls the internet.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ..config import Settings, line_of
from ..errors import ConfigError
from ..sources import kma, tourapi

KEYS = ("service_key_env", "tourapi_url", "kma_url", "mobile_app", "region", "districts",
        "city", "grid", "calendar", "timeout")


@dataclass(frozen=True)
class AutopilotSettings:
    key_env: str
    key: str | None                    # None: not set, the autopilot is off
    tourapi_url: str = tourapi.DEFAULT_URL
    kma_url: str = kma.DEFAULT_URL
    mobile_app: str = "outreach"
    # Cheonan's codes (docs/autopilot.md, "What was checked"): 44 / 4413100000 동남구 /
    # 4413300000 서북구 in the legal-dong code and the KMA grid table; TourAPI's own
    # ldongCode2 list could not be consulted here, so confirm 131/133 once with a key
    region: str = "44"                 # lDongRegnCd (Chungcheongnam-do)
    districts: tuple[str, ...] = ("131", "133")   # lDongSignguCd (Cheonan Dongnam-gu, Seobuk-gu)
    city: str = "천안"                 # an address containing this is inside the city
    # KMA grid table: 천안시 동남구 63/110 (the default), 서북구 63/112; one point on the cover
    grid: tuple[int, int] = (63, 110)  # KMA nx, ny for the weather on the cover
    calendar: str = ""                 # the city's .ics or RSS address (its events come first)
    timeout: float = 20.0

    @property
    def enabled(self) -> bool:
        return bool(self.key)


def autopilot_settings(settings: Settings) -> AutopilotSettings:
    """Validate ``[autopilot]``; every mistake names outreach.toml, the line and the key."""
    table: dict[str, Any] = dict(settings.section("autopilot"))
    text = settings.file.read_text(encoding="utf-8") if settings.file else ""

    def fail(msg: str, key: str) -> ConfigError:
        return ConfigError(msg, file=settings.file or "outreach.toml",
                           line=line_of(text, key, "autopilot"), key=f"autopilot.{key}")

    for key in table:
        if key not in KEYS:
            raise fail(f"unknown setting; [autopilot] knows {', '.join(KEYS)}", key)
    for key in ("service_key_env", "tourapi_url", "kma_url", "mobile_app", "region", "city",
                "calendar"):
        if key in table and not isinstance(table[key], str):
            raise fail(f"expected text in quotes, got {table[key]!r}", key)
    key_env = table.get("service_key_env", "DATA_GO_KR_SERVICE_KEY")
    region = table.get("region", "44")
    if not (region.isdigit() and len(region) == 2):
        raise fail(f"expected the 2-digit lDongRegnCd (e.g. \"44\"), got {region!r}", "region")
    districts = table.get("districts", ["131", "133"])
    if isinstance(districts, str):
        districts = [districts]
    if not isinstance(districts, list) or not all(isinstance(d, str) and d.isdigit()
                                                  and len(d) == 3 for d in districts):
        raise fail("expected a list of 3-digit lDongSignguCd codes in quotes, e.g. "
                   "[\"131\", \"133\"]", "districts")
    grid = table.get("grid", [63, 110])
    if not (isinstance(grid, list) and len(grid) == 2 and all(
            isinstance(v, int) and not isinstance(v, bool) and 1 <= v <= 253 for v in grid)):
        raise fail("expected the KMA grid point [nx, ny], e.g. [63, 110]", "grid")
    timeout = table.get("timeout", 20)
    if isinstance(timeout, bool) or not isinstance(timeout, (int, float)) or not 0 < timeout <= 120:
        raise fail("expected seconds between 1 and 120", "timeout")
    key = settings.env.get(key_env) or None
    if key:
        from ..logs import register_secret

        register_secret(key)
    return AutopilotSettings(
        key_env=key_env, key=key, tourapi_url=table.get("tourapi_url", tourapi.DEFAULT_URL),
        kma_url=table.get("kma_url", kma.DEFAULT_URL),
        mobile_app=table.get("mobile_app", "outreach"), region=region,
        districts=tuple(districts), city=table.get("city", "천안"), grid=(grid[0], grid[1]),
        calendar=table.get("calendar", ""), timeout=float(timeout))
