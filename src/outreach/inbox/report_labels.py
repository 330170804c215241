"""Words for the report: column titles, group names and the written definitions.

Shared by the report page, the printable report, the CSV/XLSX export and the
CLI, so every place says the same thing in the same words (through the catalog).
"""

from __future__ import annotations

from ..i18n import _


def figure_columns() -> list[tuple[str, str]]:
    """(key path, title) of the figure columns, in display order."""
    return [
        ("received", _("Received")), ("answered", _("Answered")), ("resolved", _("Resolved")),
        ("overdue", _("Overdue")), ("overdue_now", _("Overdue, still open")),
        ("first_answer.p50_working_hours", _("First answer p50 (working h)")),
        ("first_answer.p90_working_hours", _("First answer p90 (working h)")),
        ("first_answer.p50_hours", _("First answer p50 (h)")),
        ("first_answer.p90_hours", _("First answer p90 (h)")),
        ("resolution.p50_working_hours", _("Resolution p50 (working h)")),
        ("resolution.p90_working_hours", _("Resolution p90 (working h)")),
        ("resolution.p50_hours", _("Resolution p50 (h)")),
        ("resolution.p90_hours", _("Resolution p90 (h)")),
    ]


def pick(summary: dict, path: str):
    value: object = summary
    for part in path.split("."):
        value = value.get(part) if isinstance(value, dict) else None
    return value


def group_titles() -> dict[str, str]:
    return {"by_month": _("By month"), "by_channel": _("By channel"),
            "by_department": _("By department"), "by_category": _("By category"),
            "by_kind": _("By kind")}


def apart_titles() -> dict[str, str]:
    return {"spam": _("Spam"), "hidden": _("Hidden"),
            "non_complaint": _("Not complaints (greetings, menu taps, opinions)"),
            "deleted": _("Deleted by the author")}


def kind_title(kind: str) -> str:
    return {"complaint": _("Complaint or request"), "question": _("Question"),
            "opinion": _("Opinion or praise"), "greeting": _("Greeting or menu tap"),
            "survey": _("Survey answer"), "spam": _("Spam")}.get(kind, kind)


def group_name(group: str, key: str) -> str:
    if group == "by_kind":
        return kind_title(key)
    if key == "-":
        return _("Unassigned") if group == "by_department" else _("Uncategorised")
    return key


def definitions() -> list[str]:
    """What counts, written for the people who read the published figures."""
    return [
        _("An item belongs to the period in which it was received (its time on the platform, "
          "Korea time); the figures show its state when the report was made."),
        _("Complaint figures count complaints, requests and questions only. Spam, items hidden "
          "in the inbox or on the platform, and messages that are not complaints (greetings, "
          "chatbot menu taps, opinions, survey answers) are counted apart and never enter "
          "them; items deleted by their author are counted apart too."),
        _("Answered: a first answer was given (sent through the channel, recorded as given by "
          "hand, or the chatbot's automatic answer). Resolved: marked resolved."),
        _("Overdue: missed a deadline, that is, answered or resolved after its due time, or "
          "still without it after the due time. Overdue, still open: the part not yet done."),
        _("First answer time runs from receipt to the first answer; resolution time from "
          "receipt to resolution. Working hours count weekdays 09:00-18:00 and skip Korean "
          "public holidays and the city's days off; wall-clock hours count every hour."),
        _("p50 and p90 are percentiles with linear interpolation between the two nearest "
          "ranks (rank = p x (n - 1) over the sorted times, as Excel's PERCENTILE.INC), "
          "rounded to 0.01 hours. p50 is the median: half the items took less."),
        _("An item with several categories counts once in each category; the category table "
          "can therefore add up to more than the total."),
    ]


def counted_title(value: str) -> str:
    return {"complaint": _("Complaint figures"), **apart_titles()}.get(value, value)
