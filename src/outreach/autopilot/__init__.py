"""The weekend-guide autopilot: next Thursday's data file drafted from public data.

A schedule with a ``source:`` block (see ``spec.py``) gets its data file written
before its run: festivals and events from TourAPI, the weekend's weather from
the KMA forecast and the city's own calendar, ranked and cut to what the
template holds (``draft.py``). The file is then rendered and approved through
the usual ledger path. ``service.py`` decides when to draft and never touches a
file a person has edited.
"""
