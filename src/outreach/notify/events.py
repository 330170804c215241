"""What deserves an e-mail, as events with a stable key (the key makes each go once).

Kinds, the permission needed to act on them (its holders get the mail, see
``outreach.users.roles``), and their keys:

========================  ==========  =====================================
draft ready for approval  approve     ``draft_ready:<occurrence>``
draft changed (version N) approve     ``draft_changed:<occurrence>:v<N>``
draft submitted again     approve     ``draft_resubmitted:<occurrence>:<rejected at>:v<N>``
data file missing          edit        ``data_missing:<schedule>:<run UTC>``
delivery failed/unknown    publish     ``delivery:<id>:<attempts>:<state>``
run missed                 edit        ``missed:<occurrence>``
token expiring             admin       ``token:<channel>:<expiry date>``
autopilot draft problems   edit        ``autopilot:<schedule>:<run UTC>``
survey call withdrawn      survey      ``survey_call_withdrawn:<occurrence>``
========================  ==========  =====================================

A draft rendered again (its data changed in the studio, ``outreach resubmit``, the
autopilot's weather refresh) is a new version (``occurrence.draft_revision``) and waits
for approval again, even if it had been approved: approvers are told once per version,
and the mail says the draft changed. A delivery that fails again after a retry has a new
attempt count, so it is a new event. Only events newer than ``lookback_hours`` are considered, so turning
notifications on for an old workspace does not mail its history.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Iterable

from ..config import Settings
from ..i18n import _, format_datetime
from ..publishing import model as m
from ..store.desk import DeskQueries
from ..store.notify import NotificationStore
from ..users.roles import ADMIN, APPROVE, EDIT, PUBLISH, SURVEY
from .settings import NotifySettings


@dataclass(frozen=True)
class Event:
    key: str
    kind: str
    roles: tuple[str, ...]
    subject: str
    body: str
    link: str

    def as_dict(self) -> dict:
        return {"key": self.key, "kind": self.kind, "roles": self.roles, "subject": self.subject,
                "body": self.body, "link": self.link}


def _run_name(row: dict) -> str:
    return _("one-off post") if row["schedule"] == m.POST else row["schedule"]


def collect(settings: Settings, options: NotifySettings, queries: DeskQueries,
            checks: NotificationStore, schedules: Iterable, now: datetime) -> list[Event]:
    """Every current event (already-sent ones included: recording drops those)."""
    tz = settings.timezone
    since = now - timedelta(hours=options.lookback_hours)
    url = options.base_url
    events: list[Event] = []
    drafts, _n = queries.occurrences_in([m.AWAITING_APPROVAL], since=since, limit=200)
    for row in drafts:
        events.append(draft_event(row, url, tz))
    bad, _n = queries.deliveries_in([m.D_FAILED, m.D_UNKNOWN], since=since, limit=200)
    for row in bad:
        when = format_datetime(row["scheduled_for"], tz)
        subject = (_("[outreach] Delivery failed: {channel}, {when}", channel=row["channel"],
                     when=when) if row["state"] == m.D_FAILED else
                   _("[outreach] Delivery outcome unknown: {channel}, {when}",
                     channel=row["channel"], when=when))
        body = (_("The post for {channel} was not published: {error}. Fix the cause, then send it "
                  "again from its page.", channel=row["channel"], error=row["error"] or "-")
                if row["state"] == m.D_FAILED else
                _("The request to {channel} went out but we do not know whether the post "
                  "appeared: {error}. Check the platform, then record it as published or send it "
                  "again from its page.", channel=row["channel"], error=row["error"] or "-"))
        events.append(Event(f"delivery:{row['id']}:{row['attempts']}:{row['state']}",
                            "delivery_" + row["state"], (PUBLISH,), subject, body,
                            f"{url}/runs/{row['occurrence_id']}"))
    missed, _n = queries.occurrences_in([m.MISSED], since=since, limit=200)
    for row in missed:
        when = format_datetime(row["scheduled_for"], tz)
        events.append(Event(
            f"missed:{row['id']}", "run_missed", (EDIT,),
            _("[outreach] Run missed: {name}, {when}", name=_run_name(row), when=when),
            _("{name} for {when} was not published: {reason}", name=_run_name(row), when=when,
              reason=row["error"] or "-"),
            f"{url}/runs/{row['id']}"))
    events.extend(survey_calls_withdrawn(queries, since, url, tz))
    for name, check in checks.checks().items():
        expires = check["expires_at"]
        if expires is None or expires > now + timedelta(days=options.token_days):
            continue
        day = format_datetime(expires, tz)
        fixes = [r["fix"] for r in check["results"] if r.get("fix")]
        events.append(Event(
            f"token:{name}:{expires.date().isoformat()}", "token_expiring", (ADMIN,),
            (_("[outreach] Access token of {channel} expired on {when}", channel=name, when=day)
             if expires <= now else
             _("[outreach] Access token of {channel} expires on {when}", channel=name, when=day)),
            _("Publishing to {channel} stops when its token expires. What to do: {fix}",
              channel=name, fix="; ".join(fixes) or _("create a new token and set it")),
            f"{url}/channels"))
    events.extend(missing_data(settings, options, schedules, now))
    events.extend(autopilot_drafts(settings, options, schedules, now))
    return events


def draft_event(row: dict, url: str, tz) -> Event:
    """A draft waiting for approval: its first version, a changed one, or one corrected
    after a rejection; the key names the version, so each version is mailed once."""
    when = format_datetime(row["scheduled_for"], tz)
    name, link = _run_name(row), f"{url}/runs/{row['id']}"
    revision = int(row.get("draft_revision") or 0)
    if row.get("decision_reason") and row.get("decided_at"):
        # submitted again after a rejection (changes requested): once per rejection and version
        return Event(
            f"draft_resubmitted:{row['id']}:{row['decided_at'].isoformat()}:v{revision}",
            "draft_resubmitted", (APPROVE,),
            _("[outreach] Corrected draft submitted again: {name}, {when}",
              name=name, when=when),
            _("The draft of {name} ({template}) for {when} was rejected ({reason}) and has "
              "been corrected and submitted again. Look at it and approve or reject it "
              "before its time.", name=name, template=row["template"], when=when,
              reason=row["decision_reason"]) + "\n\n" + _("Draft version {version}.",
                                                          version=revision),
            link)
    if revision <= 1:
        return Event(
            f"draft_ready:{row['id']}", "draft_ready", (APPROVE,),
            _("[outreach] Draft ready for approval: {name}, {when}", name=name, when=when),
            _("The draft of {name} ({template}) for {when} is ready. Look at it and approve or "
              "reject it before its time; unapproved drafts are not published.",
              name=name, template=row["template"], when=when),
            link)
    if row.get("decided_by") and row.get("decided_at"):     # an approval it no longer has
        earlier = _("{who} approved an earlier version on {on}; that approval no longer "
                    "counts.", who=row["decided_by"], on=format_datetime(row["decided_at"], tz))
    else:
        earlier = _("Nobody has approved it yet.")
    return Event(
        f"draft_changed:{row['id']}:v{revision}", "draft_changed", (APPROVE,),
        _("[outreach] Changed draft waiting for approval: {name}, {when}", name=name,
          when=when),
        _("The draft of {name} ({template}) for {when} has changed: it was made again from "
          "changed data (version {version}). {earlier} Look at the new draft and approve or "
          "reject it before its time; unapproved drafts are not published.", name=name,
          template=row["template"], when=when, version=revision, earlier=earlier),
        link)


def survey_calls_withdrawn(queries: DeskQueries, since: datetime, url: str,
                           tz) -> list[Event]:
    """Survey calls the scheduling pass cancelled because the survey's close time passed
    while the call still waited (``outreach.surveys.expire``); an explicit close by a
    person is not mailed: they saw it happen."""
    from ..surveys.expire import ACTOR
    from ..surveys.publish import SCHEDULE

    events = []
    rows, _n = queries.occurrences_in([m.CANCELLED], since=since, limit=200)
    for row in rows:
        if row["schedule"] != SCHEDULE or row["decided_by"] != ACTOR:
            continue
        slug = str(row["key"]).removeprefix("survey:")
        events.append(Event(
            f"survey_call_withdrawn:{row['id']}", "survey_call_withdrawn", (SURVEY,),
            _("[outreach] Survey closed before its call went out: {slug}", slug=slug),
            _("The survey {slug} reached its close time while its call for questions was "
              "still waiting (for approval or to be prepared), so the survey was closed and "
              "the call cancelled: it will not be published. To ask for questions again, "
              "make a new survey with a later close time.", slug=slug),
            f"{url}/surveys/{slug}"))
    return events


def autopilot_drafts(settings: Settings, options: NotifySettings, schedules: Iterable,
                     now: datetime) -> list[Event]:
    """Autopilot drafts with problems (a source down, an expired key, an empty weekend)."""
    from ..autopilot.service import open_problems

    events = []
    for item in open_problems(settings, list(schedules), now):
        local = format_datetime(item["when"], settings.timezone)
        try:
            shown = item["file"].relative_to(settings.root)
        except ValueError:
            shown = item["file"]
        events.append(Event(
            f"autopilot:{item['schedule']}:{item['when'].isoformat()}", "draft_problems", (EDIT,),
            _("[outreach] Autopilot draft needs checking: {name}, {when}", name=item["schedule"],
              when=local),
            _("The autopilot drafted {file} for {name} on {when}, but: {problems}. Check and "
              "edit the file before the draft is prepared; it is not published without "
              "approval.", file=shown, name=item["schedule"], when=local,
              problems=_joined(item["problems"], "; ")),
            f"{options.base_url}/today"))
    return events


def _joined(texts: list[str], separator: str) -> str:
    """``separator.join(texts)`` that keeps stored messages translatable (``+`` keeps
    ``i18n.Text``; ``str.join`` would not)."""
    out = ""
    for n, text in enumerate(texts):
        out = out + separator + text if n else text
    return out


def missing_data(settings: Settings, options: NotifySettings, schedules: Iterable,
                 now: datetime) -> list[Event]:
    """Next runs within ``data_days`` whose data file is not there yet (no database)."""
    from ..publishing.desk import missing_data as find

    events = []
    for item in find(settings, schedules, now, options.data_days):
        local = format_datetime(item["when"], settings.timezone)
        events.append(Event(
            f"data_missing:{item['schedule']}:{item['when'].isoformat()}", "data_missing",
            (EDIT,),
            _("[outreach] Data file missing for {name}, {when}", name=item["schedule"],
              when=local),
            _("The run of {name} on {when} needs {file}, which does not exist yet. Add it "
              "before the draft is prepared, or the run fails.", name=item["schedule"],
              when=local, file=item["file"]),
            f"{options.base_url}/today"))
    return events
