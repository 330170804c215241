"""The ranking engine on the labelled set: purity, counting by people, key words."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

from outreach.topics import labelled, quality
from outreach.topics.carry import Before, carry
from outreach.topics.model import Message
from outreach.topics.rank import rank

DATA = Path(__file__).parent / "data" / "topics" / "messages.txt"


def _subset(topics: int = 8):
    messages, labels = labelled.load(DATA)
    keep = sorted(set(labels), key=labels.index)[:topics]
    pairs = [(m, l) for m, l in zip(messages, labels) if l in keep]
    return [m for m, _ in pairs], [l for _, l in pairs]


def test_labelled_set_is_big_enough():
    messages, labels = labelled.load(DATA)
    assert len(messages) >= 300 and len(set(labels)) >= 20
    per_author = Counter(m.author for m in messages)
    assert max(per_author.values()) >= 2   # some people write several messages


def test_grouping_matches_the_labels_on_a_subset():
    messages, labels = _subset()
    ranking = rank(messages)
    group_of = {i: g.key for g in ranking.groups for i in g.item_ids}
    groups = [group_of[m.item_id] for m in messages]
    assert quality.purity(labels, groups) >= 0.85      # measured 0.95 on these 118
    assert quality.adjusted_rand(labels, groups) > 0.4   # measured 0.52
    # the biggest group is about one subject and named by its words
    top = ranking.groups[0]
    topic = Counter(labels[messages.index(next(m for m in messages if m.item_id == i))]
                    for i in top.item_ids).most_common(1)[0][0]
    words = {"parking": "주차", "bus": "버스", "snow": "눈", "noise": "소음", "parks": "공원",
             "childcare": "보육", "festival": "축제", "trash": "쓰레기"}
    assert any(words[topic][:2] in k for k in top.keywords), (topic, top.keywords)


def test_ten_messages_from_one_person_count_once():
    messages, _ = _subset()
    spam = [Message(item_id=1000 + i, author="same-person",
                    text=f"집 앞 불법주차 단속해 주세요 {i}번째 말씀드립니다 주차 단속 좀요")
            for i in range(10)]
    before = rank(messages)
    after = rank(messages + spam)
    group = next(g for g in after.groups if 1000 in g.item_ids)
    assert all(1000 + i in group.item_ids for i in range(10))
    authors = {m.author for m in messages + spam if m.item_id in group.item_ids}
    assert group.citizens == len(authors) and group.messages == len(group.item_ids)
    others = {m.author for m in messages if m.item_id in group.item_ids}
    assert group.citizens == len(others) + 1          # ten messages, one person
    assert group.messages == len(group.item_ids) >= 10 + len(others)
    assert sum(1 for i in group.representatives if i >= 1000) <= 1   # one example per person
    order = [(g.citizens, g.messages) for g in after.groups]
    assert order == sorted(order, reverse=True)       # ranked by people, then messages


def test_carry_merges_groups_that_came_from_one_and_keeps_moved_messages():
    before = Before(group_of={1: "g1", 2: "g1", 3: "g1", 4: "g2", 5: "g2"}, moved={3},
                    edited={"g1", "g2", "g9"})
    # the new clustering splits old g1 in two and puts moved item 3 with 4 and 5
    out = carry({1: 0, 2: 1, 3: 2, 4: 2, 5: 2, 6: 3}, before)
    assert out.partition[1] == out.partition[2]          # the merge survives
    assert out.origin[out.partition[1]] == "g1"
    assert out.origin[out.partition[4]] == "g2"
    assert out.partition[3] == out.partition[1]          # moved item follows the person
    assert out.lost == ["g9"]


def test_tiny_and_empty_inputs():
    assert rank([]).groups == []
    one = rank([Message(item_id=1, author="a", text="가로등이 꺼졌어요")])
    assert [(g.citizens, g.messages, g.item_ids) for g in one.groups] == [(1, 1, [1])]
    odd = rank([Message(item_id=1, author="a", text="ㅋㅋㅋ"),
                Message(item_id=2, author="", text="..."),
                Message(item_id=3, author="", text="가로등이 꺼졌어요")])
    assert sorted(i for g in odd.groups for i in g.item_ids) == [1, 2, 3]
    assert sum(g.citizens for g in odd.groups) == 3     # anonymous messages count one each
