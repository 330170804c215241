"""Masking and triage on the labelled set of realistic messages (tests/data/inbox_messages.txt).

The same figures are printed by ``bench/triage.py`` (``-v`` lists every miss).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from outreach.errors import ConfigError
from outreach.inbox.evaluate import evaluate, load_labelled
from outreach.inbox.triage import load_rules

REPO = Path(__file__).resolve().parents[1]
DATA = REPO / "tests" / "data" / "inbox_messages.txt"


@pytest.fixture(scope="module")
def result():
    items = load_labelled(DATA)
    return items, evaluate(load_rules(REPO / "inbox" / "rules.yaml"), items)


def test_the_set_is_large_and_varied(result):
    items, _ = result
    assert len(items) >= 300
    kinds = {i.kind for i in items}
    assert kinds == {"complaint", "question", "opinion", "greeting", "survey", "spam"}
    pieces = [p[2] for i in items for p in i.personal]
    assert {"phone", "email", "rrn", "account", "plate", "address"} <= set(pieces)
    assert len(pieces) >= 50


def test_masking_recall_and_precision(result):
    _, r = result
    assert r["masking"].recall >= 0.98, r["masking"].misses
    assert r["masking"].precision >= 0.95, r["masking"].misses


def test_category_precision_and_recall(result):
    _, r = result
    assert r["categories"].precision >= 0.95, r["categories"].misses
    assert r["categories"].recall >= 0.90, r["categories"].misses


def test_flag_precision_and_recall(result):
    _, r = result
    assert r["flags"].precision >= 0.95, r["flags"].misses
    assert r["flags"].recall >= 0.90, r["flags"].misses


def test_kinds_are_mostly_right(result):
    _, r = result
    assert r["kinds"]["accuracy"] >= 0.90, r["kind_misses"]


def test_a_malformed_line_is_named(tmp_path):
    bad = tmp_path / "set.txt"
    bad.write_text("# comment\ncomplaint | 가로등\n", encoding="utf-8")
    with pytest.raises(ConfigError, match=r"set.txt:2: expected 'kind \| categories"):
        load_labelled(bad)
