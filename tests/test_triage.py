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


# -- Korean words, not raw substrings (issue 9) ---------------------------------------------

@pytest.mark.parametrize("text", ["불이 꺼져 있어요", "가로등 불이 꺼져서 어두워요",
                                  "이 사업의 시발점은 주민 제안이었죠", "닥쳐올 겨울 대비 잘 해주세요",
                                  "시바견 사진 귀여워요", "오후 3시 발표합니다", "10시 발급 시작",
                                  "어머니 미용실 앞 가로등", "3시 바로 앞에서 만나요"])
def test_ordinary_words_are_not_profanity(rules, text):
    assert "abusive" not in classify(rules, text).flags


@pytest.mark.parametrize("text", ["ㅅㅂ 이게 행정이냐", "시1발 세금 아깝다", "ㅅ ㅂ 진짜 짜증나네",
                                  "씨.발 뭐하는거야", "지1랄 하지마라", "니들이 뭘 알아 꺼져",
                                  "tlqkf 뭐하냐"])
def test_disguised_profanity_is_caught(rules, text):
    assert "abusive" in classify(rules, text).flags


def test_bank_crossroads_is_not_an_event_and_polling_places_are_not_campaigning(rules):
    assert "행사" not in classify(rules, "은행사거리 가로등 두개 다 꺼져 있네요").categories
    assert "행사" in classify(rules, "행사장 주차 가능한가요?").categories
    for question in ("투표소 어디예요", "사전투표 장소 어디인가요", "선거일에 투표 시간 몇시까지에요?"):
        assert "political" not in classify(rules, question).flags, question
    assert "political" in classify(rules, "기호 2번 찍어주세요 우리 시를 바꿉니다").flags


@pytest.mark.parametrize("text", ["바카라 첫충 20% 토토 사이트 가입하세요",
                                  "무직자 대출 가능합니다 상담은 open.kakao.com/o/abc",
                                  "소액결제 현금화 95% 즉시입금"])
def test_gambling_and_loan_spam_become_spam(rules, text):
    verdict = classify(rules, text)
    assert "commercial" in verdict.flags and verdict.status == "spam" and verdict.kind == "spam"


def test_links_without_a_scheme_are_caught_but_not_the_citys_or_an_email(rules):
    assert "commercial" in classify(rules, "먹튀없는 메이저 사이트 win77.com").flags
    assert "commercial" in classify(rules, "가입은 www.hot-live.xyz 에서").flags
    assert "commercial" not in classify(rules, "www.cheonan.go.kr 에서 신청하면 되나요?").flags
    assert "commercial" not in classify(rules, "메일 kim@naver.com 으로 주세요").flags


def test_the_department_follows_the_main_topic_not_the_rule_order(rules, tmp_path):
    text = "불법주차 차들 때문에 주차할 데가 없어요 주차장 좀 늘려주세요. 가로등도 어둡고요"
    verdict = classify(rules, text)
    assert verdict.categories[0] == "주차" and verdict.department == "교통행정과"
    # the same rules in reverse order give the same answer
    import yaml

    data = yaml.safe_load((REPO / "inbox" / "rules.yaml").read_text(encoding="utf-8"))
    data["categories"].reverse()
    flipped = load_rules(_rules_file(tmp_path, yaml.safe_dump(data, allow_unicode=True)))
    again = classify(flipped, text)
    assert again.department == "교통행정과" and set(again.categories) == set(verdict.categories)
    assert classify(flipped, "싱크홀이 생겼는데 도로 파손도 심해요").department == "안전총괄과"


# -- linear time --------------------------------------------------------------------------------

def test_patterns_that_cannot_run_in_linear_time_are_refused_with_file_and_line(tmp_path):
    for pattern, line in (("(가로등)\\\\1", 5), ("(?=가로등)", 5), ("(?<!\\\\d)고장", 5)):
        path = _rules_file(tmp_path, "categories:\n  - name: 가로등\n    department: 도로과\n"
                                     f"    patterns:\n      - '가로등'\n      - \"{pattern}\"\n")
        with pytest.raises(ConfigError) as err:
            load_rules(path)
        message = str(err.value)
        assert message.startswith(f"{path}:6: categories[0].patterns:"), message
        assert "linear time" in message


def _best(fn, text, repeat=3) -> float:
    """Least CPU time of a few runs: steadier than wall time on a busy CI machine."""
    import time

    best = float("inf")
    for _ in range(repeat):
        start = time.thread_time()
        fn(text)
        best = min(best, time.thread_time() - start)
    return best


def test_a_nested_quantifier_rule_runs_in_linear_time(tmp_path):
    path = _rules_file(tmp_path, "moderation:\n  - flag: abusive\n"
                                 "    patterns: [\"(a+)+$\", \"(x|x)*y\", \"([가-힣]+\\\\s?)+!$\"]\n")
    rules = load_rules(path)
    evil = "a" * 27 + "b"                       # 7 s with a backtracking engine
    assert _best(lambda t: classify(rules, t), evil) < 0.5   # 7 s when backtracking
    assert _best(lambda t: classify(rules, t), "x" * 5000 + "가나다 " * 5000) < 1.0


def test_a_60kb_message_costs_in_proportion_to_its_length(rules):
    from outreach.inbox.masking import mask

    def both(text):
        classify(rules, text)
        mask(text)

    shapes = [lambda n: ("a" * n),                                  # e-mail-like local part
              lambda n: ("가로등이 꺼져 있어요 010-1234-5678 " * n),
              lambda n: ("1-" * n), lambda n: ("번영로 1" * n), lambda n: ("도로 파손? " * n)]
    for shape in shapes:
        long = shape(60_000)[:60_000]
        tenth = long[:6_000]
        t_long, t_tenth = _best(both, long), _best(both, tenth)
        # linear: ten times the text is about ten times the work (quadratic would be 100x)
        assert t_long < 30 * t_tenth + 0.02, (long[:20], t_long, t_tenth)
    short = _best(both, "가로등이 꺼졌어요 연락은 hong@example.com")
    assert short < 0.1


def test_triage_runs_before_the_write_transaction(tmp_path, db_url):
    from test_inbox_support import ingestor, opened, reply

    settings, db = opened(tmp_path, db_url)
    ing = ingestor(settings)
    items = [reply("a", "가로등 고장 010-1234-5678"), reply("b", "감사합니다")]
    ing.prepare(items)
    assert set(ing._prepared) == {"가로등 고장 010-1234-5678", "감사합니다"}
    with db.begin() as conn:
        result = ing.ingest(conn, items)
    assert len(result.new) == 2 and ing._prepared == {}
    db.dispose()


# -- masking in the forms citizens type -------------------------------------------------------

@pytest.mark.parametrize("raw, shown", [
    ("연락 010 - 1234 - 5678 주세요", "연락 010 - **** - 5678 주세요"),
    ("010ㅡ1234ㅡ5678", "010ㅡ****ㅡ5678"),
    ("010.1234.5678이에요", "010.****.5678이에요"),
    ("01012345678", "010****5678"),
    ("공일공 일이삼사 오육칠팔 로 전화", "공일공 **** 오육칠팔 로 전화"),
    ("+821012345678", "+8210****5678"),
    ("kim1234 @ naver.com 으로", "ki***@naver.com 으로"),
    ("주민번호 771212 - 1234567", "주민번호 ****** - *******"),
    ("신한 110-123-456789 로 입금", "신한 ***-***-**6789 로 입금"),
    ("[12가3456] 차량", "[12가****] 차량"),
    ("서울12가 3456 이 차", "서울12가 **** 이 차"),
    ("번영로 156 앞", "번영로 *** 앞"),
    ("성정동 123-4번지", "성정동 ***-*번지"),
    ("101동 1203호 인데", "***동 ****호 인데"),
])
def test_masking_in_every_common_form(raw, shown):
    assert mask(raw) == shown


@pytest.mark.parametrize("text", ["도로 3곳이나 파손됐어요", "성정동 3년째 살고 있어요",
                                  "2026.11.20 14:00 설명회", "가로등 3개 다 나갔어요",
                                  "100번 버스 20분 넘게 안와요", "참가비 10,000원"])
def test_numbers_that_are_not_personal_data_stay(text):
    assert mask(text) == text
