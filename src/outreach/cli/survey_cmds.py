"""``outreach survey``: calls for questions for the live broadcast (parsing and printing only).

The rules live in ``outreach.surveys``; ``--as NAME`` is recorded in the activity log
as self-declared, like every CLI change.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from ..i18n import _


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("survey", help=_("surveys: calls for questions and their answers"),
                       description=_("Surveys for the live broadcast: a call for questions "
                                     "published to the channels, answers from every channel "
                                     "(see docs/surveys.md)."))
    p.add_argument("--as", dest="actor", metavar="NAME",
                   help=_("who is acting (activity log; self-declared)"))
    ssub = p.add_subparsers(dest="survey_command", metavar="ACTION")
    ssub.required = True
    c = ssub.add_parser("create", help=_("create or update a survey from its YAML file"))
    c.add_argument("file", help=_("content/surveys/NAME.yaml, or just NAME"))
    c.set_defaults(handler=cmd_create)
    ls = ssub.add_parser("list", help=_("every survey with its state and answer count"))
    ls.add_argument("--json", action="store_true")
    ls.set_defaults(handler=cmd_list)
    sh = ssub.add_parser("show", help=_("one survey: themes, the call, answers per channel "
                                        "and theme"))
    sh.add_argument("survey", help=_("survey name or number"))
    sh.add_argument("--answers", type=int, default=0, metavar="N",
                    help=_("also list the newest N answers (masked)"))
    sh.add_argument("--json", action="store_true")
    sh.set_defaults(handler=cmd_show)
    pub = ssub.add_parser("publish", help=_("publish the call to its channels through the "
                                            "ledger (once)"))
    pub.add_argument("survey", help=_("survey name or number"))
    pub.add_argument("--at", metavar="TIME", help=_("local time, e.g. \"2026-12-01 10:00\" "
                                                     "(default: when the survey opens, or now)"))
    pub.set_defaults(handler=cmd_publish)
    cl = ssub.add_parser("close", help=_("stop taking answers now"))
    cl.add_argument("survey", help=_("survey name or number"))
    cl.set_defaults(handler=cmd_close)
    ln = ssub.add_parser("link", help=_("make an inbox item an answer of a survey"))
    ln.add_argument("item", type=int, help=_("inbox item number"))
    ln.add_argument("survey", help=_("survey name or number"))
    ln.add_argument("--theme", help=_("theme key, e.g. traffic"))
    ln.set_defaults(handler=cmd_link)
    un = ssub.add_parser("unlink", help=_("take an inbox item out of its survey"))
    un.add_argument("item", type=int, help=_("inbox item number"))
    un.set_defaults(handler=cmd_unlink)


def _service(args: argparse.Namespace):
    from . import settings_from
    from ..scheduling.clock import make_clock
    from ..store.db import open_database
    from ..surveys.service import SurveyService

    settings = settings_from(args)
    return SurveyService(settings, open_database(settings.database_url),
                         clock=make_clock(None, settings.timezone))


def _actor(args: argparse.Namespace):
    from ..users.audit import Actor

    return Actor.cli(getattr(args, "actor", None))


def _state(value: str) -> str:
    return {"draft": _("draft"), "published": _("published"), "closed": _("closed")}.get(
        value, value)


def cmd_create(args: argparse.Namespace) -> int:
    from ..i18n import format_datetime

    service = _service(args)
    spec = service.load_file(Path(args.file) if args.file.endswith((".yaml", ".yml"))
                             else args.file)
    survey_id, created = service.save(spec, _actor(args))
    tz = service.settings.timezone
    text = (_("survey {slug} created (#{id})", slug=spec.slug, id=survey_id) if created
            else _("survey {slug} updated (#{id})", slug=spec.slug, id=survey_id))
    print(text)
    print(_("{count} themes; answers from {opens} until {closes}", count=len(spec.questions),
            opens=format_datetime(spec.opens_at, tz), closes=format_datetime(spec.closes_at, tz)))
    if created:
        print(_("next: outreach survey publish {slug}", slug=spec.slug))
    return 0


def cmd_list(args: argparse.Namespace) -> int:
    from ..i18n import format_datetime

    service = _service(args)
    rows = [(s, service.summary(s.id)) for s in service.list()]
    if args.json:
        print(json.dumps([{"id": s.id, "slug": s.slug, "title": s.title, "state": s.state,
                           "opens_at": s.opens_at.isoformat(), "closes_at": s.closes_at.isoformat(),
                           "answers": summary.total, "people": summary.people}
                          for s, summary in rows], ensure_ascii=False, indent=2))
        return 0
    if not rows:
        print(_("no surveys yet: write content/surveys/NAME.yaml and run "
                "outreach survey create NAME"))
        return 0
    tz = service.settings.timezone
    for s, summary in rows:
        print(_("#{id} {slug} [{state}] {title}: {opens} – {closes}, {answers} answers from "
                "{people} people", id=s.id, slug=s.slug, state=_state(s.state), title=s.title,
                opens=format_datetime(s.opens_at, tz), closes=format_datetime(s.closes_at, tz),
                answers=summary.total, people=summary.people))
    return 0


def cmd_show(args: argparse.Namespace) -> int:
    from ..i18n import format_datetime

    service = _service(args)
    summary = service.summary(args.survey)
    s = summary.survey
    answers = service.answers(s.id, limit=args.answers) if args.answers > 0 else []
    if args.json:
        data = _as_json(summary)
        if args.answers > 0:
            data["latest"] = [{"item": a["id"], "channel": a["channel"],
                               "theme": a["theme"].key if a["theme"] else None,
                               "text": a["text"], "created_at": a["created_at"].isoformat()}
                              for a in answers]
        print(json.dumps(data, ensure_ascii=False, indent=2, default=str))
        return 0
    tz = service.settings.timezone
    print(f"#{s.id} {s.slug} [{_state(s.state)}] {s.title}")
    print(_("answers from {opens} until {closes}", opens=format_datetime(s.opens_at, tz),
            closes=format_datetime(s.closes_at, tz)))
    print(_("answers: {answers} from {people} people", answers=summary.total,
            people=summary.people))
    print(_("by theme:"))
    for question, count in summary.questions:
        label = f"{question.label} ({question.key})" if question else _("no theme")
        print(f"  {label}: {count}")
    if summary.channels:
        print(_("by channel:"))
        for channel, count in summary.channels.items():
            print(f"  {channel}: {count}")
    if summary.occurrence is None:
        print(_("the call is not published yet: outreach survey publish {slug}", slug=s.slug))
    else:
        occ = summary.occurrence
        print(_("call: post #{id} [{state}] at {when}", id=occ["id"], state=occ["state"],
                when=format_datetime(occ["scheduled_for"], tz)))
        for d in summary.deliveries or []:
            print(f"  {d['channel']}: {d['state']}" + (f" {d['url']}" if d.get("url") else ""))
    if answers:
        print(_("newest answers:"))
        for a in answers:
            theme = f" [{a['theme'].label}]" if a["theme"] else ""
            print(f"  #{a['id']} {a['channel']}{theme} {format_datetime(a['created_at'], tz)}: "
                  f"{a['text']}")
    return 0


def _as_json(summary) -> dict:
    s = summary.survey
    return {"id": s.id, "slug": s.slug, "title": s.title, "state": s.state,
            "template": s.template, "channels": s.channels,
            "opens_at": s.opens_at.isoformat(), "closes_at": s.closes_at.isoformat(),
            "answers": summary.total, "people": summary.people,
            "by_channel": summary.channels,
            "by_theme": [{"key": q.key if q else None, "label": q.label if q else None,
                          "answers": n} for q, n in summary.questions],
            "call": None if summary.occurrence is None else {
                "occurrence": summary.occurrence["id"], "state": summary.occurrence["state"],
                "deliveries": [{"channel": d["channel"], "state": d["state"],
                                "url": d.get("url")} for d in summary.deliveries or []]}}


def cmd_publish(args: argparse.Namespace) -> int:
    from ..i18n import format_datetime
    from ..publishing.service import PublishingService
    from ..scheduling.clock import parse_instant

    service = _service(args)
    at = parse_instant(args.at, service.settings.timezone, key="--at") if args.at else None
    occ_id = service.publish(args.survey, _actor(args), at=at, prepare=True)
    row = PublishingService(service.settings, service.db).occurrence(occ_id)
    tz = service.settings.timezone
    print(_("call of survey {survey}: post #{id} for {when}", survey=args.survey, id=occ_id,
            when=format_datetime(row["scheduled_for"], tz)))
    if row["state"] == "awaiting_approval":
        print(_("draft: {folder}; it waits for approval (outreach approve {id})",
                folder=row["draft_dir"], id=occ_id))
    elif row["draft_dir"]:
        print(_("draft: {folder}; the daemon or run-due sends it at its time",
                folder=row["draft_dir"]))
    elif row["error"]:
        print(_("the draft could not be rendered yet; the next pass tries again: {error}",
                error=row["error"]))
        return 1
    return 0


def cmd_close(args: argparse.Namespace) -> int:
    service = _service(args)
    survey = service.close(args.survey, _actor(args))
    print(_("survey {slug} closed: the chatbot now says so and new comments are no longer "
            "answers", slug=survey.slug))
    return 0


def cmd_link(args: argparse.Namespace) -> int:
    service = _service(args)
    link = service.link(args.item, args.survey, _actor(args), theme=args.theme)
    print(_("inbox item #{item} is now an answer of survey {survey}", item=link["id"],
            survey=args.survey))
    return 0


def cmd_unlink(args: argparse.Namespace) -> int:
    service = _service(args)
    service.link(args.item, None, _actor(args))
    print(_("inbox item #{item} is no longer a survey answer", item=args.item))
    return 0
