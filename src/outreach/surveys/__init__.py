"""Surveys: a call for questions published through the ledger, answers from every channel.

A survey is a card template and a text (the call), its themes (questions), an open
and a close time. Staff write it as ``content/surveys/<slug>.yaml`` (``spec``) or on
the 설문 page; the database holds its state (``store.surveys``). ``service`` creates,
publishes (an occurrence of the reserved schedule ``survey``, exactly like one-off
posts), closes and links answers; ``chat`` is the Kakao chatbot's two-turn flow;
``answers`` marks comments under the call's posts as survey answers at ingest.
"""
