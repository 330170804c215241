"""The template studio: fill a card template's data for a scheduled date from a form or a
spreadsheet, preview each slide as it changes, save with history, submit for approval.

``files`` (the data file of a date and its history), ``preview`` (re-render only the
slides whose inputs changed), ``service`` (what the web page and the CLI call).
"""
