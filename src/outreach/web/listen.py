"""Where ``outreach serve`` listens: ``[server]`` (webhooks, and the staff app unless it
has its own) and ``[web]`` host/port (the staff app on its own address, e.g. the intranet).

    [server]            # the webhooks' address (faces the internet through a proxy)
    host = "127.0.0.1"
    port = 8080
    [web]               # optional: the staff app on a separate address
    host = "10.0.0.5"
    port = 8081
    trusted_proxies = "127.0.0.1"   # whose X-Forwarded-For/-Proto to believe
"""

from __future__ import annotations

from dataclasses import dataclass

from ..config import CONFIG_NAME, Settings
from ..errors import ConfigError


@dataclass(frozen=True)
class Listener:
    part: str | None          # "staff", "webhooks" or None (both, by path)
    host: str
    port: int


def _address(settings: Settings, table: str, default_host: str, default_port: int
             ) -> tuple[str, int] | None:
    data = settings.section(table)
    if table == "web" and "port" not in data and "host" not in data:
        return None
    host, port = data.get("host", default_host), data.get("port", default_port)
    if not isinstance(host, str) or not host:
        raise ConfigError(f"expected an address such as \"127.0.0.1\", got {host!r}",
                          file=settings.file or CONFIG_NAME, key=f"{table}.host")
    if not isinstance(port, int) or isinstance(port, bool) or not 0 <= port <= 65535:
        raise ConfigError(f"expected a port number 0-65535, got {port!r}",
                          file=settings.file or CONFIG_NAME, key=f"{table}.port")
    return host, port


def listeners(settings: Settings, only: str | None, host: str | None, port: int | None
              ) -> list[Listener]:
    """The sockets to open for ``outreach serve [--only PART] [--host H] [--port P]``."""
    server = _address(settings, "server", "127.0.0.1", 8080)
    assert server is not None
    web = _address(settings, "web", server[0], 8081)
    if only == "webhooks" or (only is None and web is None):
        base = server
    elif only == "staff":
        base = web or server
    else:  # both parts, each on its own address
        if host is not None or port is not None:
            raise ConfigError("--host/--port name one address, but [web] gives the staff app "
                              "its own: add --only staff or --only webhooks",
                              file=settings.file or CONFIG_NAME, key="web.port")
        return [Listener("staff", *web), Listener("webhooks", *server)]
    return [Listener(only, host or base[0], base[1] if port is None else port)]


def trusted_proxies(settings: Settings) -> str:
    value = settings.section("web").get("trusted_proxies", "127.0.0.1")
    if not isinstance(value, str):
        raise ConfigError(f"expected addresses separated by commas, got {value!r}",
                          file=settings.file or CONFIG_NAME, key="web.trusted_proxies")
    return value
