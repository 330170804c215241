"""The ranking as XLSX for the broadcast team: one row per group, the same numbers as the page."""

from __future__ import annotations

from pathlib import Path

from ..i18n import _, format_datetime


def headers() -> list[str]:
    return [_("Rank"), _("Group"), _("Subject"), _("Citizens"), _("Messages"),
            _("Previous quarter"), _("Change since then"), _("Departments"), _("Key words"), _("Chosen"),
            _("Covered on air"), _("Answer"), _("Example 1"), _("Example 2"), _("Example 3")]


def write_xlsx(view, path: Path, tz=None) -> Path:
    import xlsxwriter

    path.parent.mkdir(parents=True, exist_ok=True)
    book = xlsxwriter.Workbook(str(path))
    try:
        bold = book.add_format({"bold": True, "bg_color": "#EEF2F7", "border": 1})
        wrap = book.add_format({"text_wrap": True, "valign": "top"})
        sheet = book.add_worksheet(_("Topics"))
        sheet.write(0, 0, _("Topics of {scope}: {messages} messages from {citizens} citizens "
                            "(ranking {run}, {when})", scope=view.label, messages=view.messages,
                            citizens=view.citizens, run=view.id,
                            when=format_datetime(view.created_at, tz)))
        for col, title in enumerate(headers()):
            sheet.write(2, col, title, bold)
        for n, g in enumerate(view.groups, 1):
            examples = [t for _, t in g.representatives][:3]
            row = [n, g.key, g.name, g.citizens, g.messages,
                   "" if g.previous is None else g.previous,
                   "" if g.change is None else g.change,
                   ", ".join(f"{d} {c}" for d, c in g.departments.items()),
                   ", ".join(g.keywords), "O" if g.chosen else "", "O" if g.covered else "",
                   g.answer or ""] + examples + [""] * (3 - len(examples))
            for col, value in enumerate(row):
                sheet.write(2 + n, col, value, wrap if col >= 11 else None)
        sheet.set_column(2, 2, 28)
        sheet.set_column(7, 8, 24)
        sheet.set_column(11, 14, 48)
        sheet.freeze_panes(3, 3)
    finally:
        book.close()
    return path
