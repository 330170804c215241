"""Triage rules and personal-data masking on realistic Korean messages."""

from __future__ import annotations

from pathlib import Path

import pytest

from outreach.errors import ConfigError
from outreach.inbox.masking import find_personal_data, mask
from outreach.inbox.triage import classify, load_rules

REPO = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def rules():
    return load_rules(REPO / "inbox" / "rules.yaml")


@pytest.mark.parametrize("text, category, department", [
    ("우리 동네 가로등이 일주일째 안 켜져요. 밤길이 너무 어두워요", "가로등", "도로과"),
    ("시청 앞 사거리 도로가 움푹 패여서 타이어가 터질 뻔했어요", "도로", "도로과"),
    ("학교 앞에 불법주차 차량 때문에 아이들이 위험해요", "주차", "교통행정과"),
    ("아파트 단지 앞 언덕길 제설 좀 부탁드립니다. 빙판이에요", "제설", "안전총괄과"),
    ("혼자 사시는 어르신 돌봄 서비스는 어디에 신청하나요?", "복지", "복지정책과"),
    ("하천 옆에 쓰레기 무단투기가 너무 심해요", "환경", "환경과"),
])
def test_categories_and_departments(rules, text, category, department):
    verdict = classify(rules, text)
    assert category in verdict.categories
    assert verdict.department == department


def test_keywords_ignore_spacing_and_first_rule_sets_department(rules):
    spaced = classify(rules, "가로 등이 깜빡거려요")
    assert spaced.categories == ("가로등",)
    both = classify(rules, "싱크홀이 생겼는데 도로 파손도 심해요")
    assert both.categories[0] == "안전" and "도로" in both.categories
    assert both.department == "안전총괄과" and both.priority == 1   # 긴급 wins


def test_no_match_goes_to_the_default_department(rules):
    verdict = classify(rules, "오늘 올려주신 소식 잘 봤습니다. 감사합니다!")
    assert verdict.categories == () and verdict.flags == ()
    assert verdict.department == "소통담당관" and verdict.priority == 3


@pytest.mark.parametrize("text, flag", [
    ("시장 씨발 일 좀 제대로 해라", "abusive"),
    ("고수익 부업 하실 분 오픈채팅 문의 주세요", "commercial"),
    ("이번 선거에서 OOO 후보 꼭 뽑아주세요", "political"),
    ("담당 과장이 뇌물 받았다던데 사실인가요", "defamatory"),
    ("제 번호 010-9876-5432로 연락 부탁드려요", "personal_data"),
    ("hong.gildong@example.com 으로 회신 바랍니다", "personal_data"),
    ("주민번호 900101-1234567 넣었는데 오류가 나요", "personal_data"),
])
def test_moderation_flags(rules, text, flag):
    assert flag in classify(rules, text).flags


def test_only_rules_that_say_so_hide_automatically(rules):
    assert classify(rules, "시장 씨발 일 좀 해라").auto_hide is False
    assert classify(rules, "조건만남 하실 분").auto_hide is True


@pytest.mark.parametrize("raw, shown", [
    ("연락처 010-1234-5678로 주세요", "연락처 010-****-5678로 주세요"),
    ("사무실 02-123-4567", "사무실 02-***-4567"),
    ("+82 10-1234-5678", "+82 10-****-5678"),
    ("주민번호 900101-1234567입니다", "주민번호 ******-*******입니다"),
    ("메일은 hong.gildong@example.com", "메일은 ho***@example.com"),
])
def test_masking(raw, shown):
    assert mask(raw) == shown
    assert find_personal_data(raw)


def test_dates_and_amounts_are_not_personal_data():
    text = "2026년 11월 20일 행사 참가비 10,000원, 접수번호 123-4567"
    assert find_personal_data(text) == set()
    assert mask(text) == text


def _rules_file(tmp_path, text):
    path = tmp_path / "rules.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def test_rule_errors_name_file_line_and_key(tmp_path):
    path = _rules_file(tmp_path, "categories:\n  - name: 도로\n    department: 도로과\n"
                                 "    priority: 아주급함\n    keywords: [도로]\n")
    with pytest.raises(ConfigError) as err:
        load_rules(path)
    assert str(err.value).startswith(f"{path}:4: categories[0].priority:")
    bad_regex = _rules_file(tmp_path, "moderation:\n  - flag: abusive\n    patterns: ['(']\n")
    with pytest.raises(ConfigError, match=r"rules.yaml:3: moderation\[0\].patterns: pattern"):
        load_rules(bad_regex)
    broken = _rules_file(tmp_path, "categories:\n  - name: [\n")
    with pytest.raises(ConfigError, match=r"rules.yaml:\d+: not valid YAML"):
        load_rules(broken)
    unknown = _rules_file(tmp_path, "moderation:\n  - flag: rude\n    keywords: [바보]\n")
    with pytest.raises(ConfigError, match=r":2: moderation\[0\].flag: unknown flag 'rude'"):
        load_rules(unknown)
