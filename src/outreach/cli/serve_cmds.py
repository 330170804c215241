"""``outreach serve``: the staff app and the platform webhooks under uvicorn."""

from __future__ import annotations

import argparse
from ..i18n import _


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "serve", help=_("run the staff web app and the webhooks (Facebook, Kakao chatbot skill)"),
        description=_("Serve the staff web app and /webhooks/facebook, /webhooks/kakao/skill, "
                      "/health. With [web] host/port in outreach.toml the staff app gets its "
                      "own address; --only serves one part (for two systemd units)."))
    p.add_argument("--only", choices=("staff", "webhooks"),
                   help=_("serve only the staff app or only the webhooks"))
    p.add_argument("--host", help=_("address to listen on (default: [server] host, or [web] "
                                    "host for --only staff; 127.0.0.1)"))
    p.add_argument("--port", type=int, help=_("port (default: [server] port 8080, or [web] port "
                                              "for --only staff; 0 = any free)"))
    p.set_defaults(handler=cmd_serve)


def _bind(host: str, port: int):
    import socket

    from ..errors import ConfigError

    sock = socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
    except OSError as exc:
        sock.close()
        raise ConfigError(_("cannot listen on {host}:{port} ({strerror}): choose another --port "
                            "or stop the other server", host=host, port=port,
                            strerror=exc.strerror), key="server.port") from None
    return sock


def cmd_serve(args: argparse.Namespace) -> int:
    import uvicorn

    from ..i18n import _
    from ..store.db import open_database
    from ..web import create_app
    from ..web.compose import ByListener
    from ..web.listen import listeners, trusted_proxies
    from . import settings_from

    settings = settings_from(args)
    db = open_database(settings.database_url)
    plan = listeners(settings, args.only, args.host, args.port)
    sockets = [_bind(l.host, l.port) for l in plan]
    if len(plan) == 1:
        app = create_app(settings, db, only=plan[0].part)
    else:
        app = ByListener({s.getsockname()[1]: create_app(settings, db, only=l.part)
                          for l, s in zip(plan, sockets)})
    for listener, sock in zip(plan, sockets):
        url = f"http://{listener.host}:{sock.getsockname()[1]}"
        what = {"staff": _("staff app"), "webhooks": _("webhooks")}.get(listener.part or "")
        # the address is the last word: scripts and tests read it
        print(_("outreach: serving the {what} on {url}", what=what, url=url) if what
              else _("outreach: serving on {url}", url=url), flush=True)
    from ..logs import adopt

    # uvicorn logs through outreach's handler: one format on stderr (OUTREACH_LOG_FORMAT)
    config = uvicorn.Config(app, log_config=None, access_log=False, limit_concurrency=200,
                            timeout_keep_alive=5, proxy_headers=True,
                            forwarded_allow_ips=trusted_proxies(settings))
    adopt("uvicorn", "uvicorn.error", "uvicorn.access")
    from ..web.heap import settle_heap

    settle_heap()   # the start-up heap stays out of the collector's full passes
    uvicorn.Server(config).run(sockets=sockets)
    return 0
