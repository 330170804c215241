"""Template and data checking: every bad input is one clear line, exit status 2, nothing written."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from textwrap import dedent

import pytest

from outreach.cli import main
from outreach.errors import (DataError, FontError, ImageError, TemplateError, TemplateNotFound,
                             TextLimitExceeded, TextOverflow)
from outreach.render import list_templates, render_post

REPO = Path(__file__).resolve().parents[1]

BASE = """\
description: 시험용 카드
canvas: {width: 400, height: 300}
fields:
  title: {type: text, description: 제목}
  when: {type: date, required: false}
  photo: {type: image, required: false}
slides:
  - name: 표지
    alt: "{{ title }}"
    layers:
      - {type: background, color: "#ffffff"}
      - {type: text, name: 제목, box: [20, 20, 360, 120], text: "{{ title }}", size: 40, min_size: 20,
         color: "#000000", max_lines: 2}
"""


def make(tmp_path: Path, yaml_text: str = BASE, sample: str | None = "title: 천안 주말 나들이\n",
         texts: dict[str, str] | None = None, name: str = "card") -> Path:
    folder = tmp_path / "cards" / name
    folder.mkdir(parents=True)
    (folder / "template.yaml").write_text(dedent(yaml_text), encoding="utf-8")
    if sample is not None:
        (folder / "sample.yaml").write_text(sample, encoding="utf-8")
    for key, body in (texts or {}).items():
        (folder / "texts").mkdir(exist_ok=True)
        (folder / "texts" / f"{key}.j2").write_text(body, encoding="utf-8")
    return tmp_path / "cards"


def render(cards: Path, tmp_path: Path, **kw):
    return render_post(cards, kw.pop("name", "card"), out_dir=tmp_path / "out", **kw)


def cli(tmp_path: Path, cards: Path, *argv: str, capsys) -> tuple[int, str, str]:
    (tmp_path / "outreach.toml").write_text(f'templates_dir = "{cards}"\n', encoding="utf-8")
    code = main(["--root", str(tmp_path), *argv])
    out, err = capsys.readouterr()
    return code, out, err


def one_line(err: str) -> str:
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert "Traceback" not in err
    assert lines[0].startswith("outreach: error: ")
    return lines[0]


# --- unknown template, YAML, Jinja2 --------------------------------------------------------

def test_unknown_template_lists_the_known_ones(tmp_path, capsys) -> None:
    cards = make(tmp_path)
    with pytest.raises(TemplateNotFound, match=r"unknown template 'nope' \(known templates: card\)"):
        render(cards, tmp_path, name="nope")
    code, _, err = cli(tmp_path, cards, "render", "nope", capsys=capsys)
    assert code == 2 and "unknown template 'nope'" in one_line(err)


def test_yaml_syntax_error_names_file_and_line(tmp_path) -> None:
    cards = make(tmp_path, BASE.replace("canvas: {width: 400, height: 300}",
                                        "canvas: {width: 400, height: 300"))
    with pytest.raises(TemplateError, match=r"card/template\.yaml:\d+: not valid YAML"):
        render(cards, tmp_path)


def test_duplicate_yaml_key_is_an_error(tmp_path) -> None:
    cards = make(tmp_path, BASE.replace("description: 시험용 카드", "description: a\ndescription: b"))
    with pytest.raises(TemplateError, match=r"template\.yaml:2: .*duplicate key 'description'"):
        render(cards, tmp_path)


def test_jinja_syntax_error_in_layout_names_its_line(tmp_path) -> None:
    cards = make(tmp_path, BASE.replace('text: "{{ title }}"', 'text: "{{ title }"'))
    with pytest.raises(TemplateError, match=r"template\.yaml:12: .*Jinja2 syntax error"):
        render(cards, tmp_path)


def test_unknown_variable_in_layout_names_line_and_field(tmp_path) -> None:
    cards = make(tmp_path, BASE.replace('text: "{{ title }}"', 'text: "{{ titel }}"'))
    with pytest.raises(DataError, match=r"template\.yaml:12: slide 1 \(표지\), layer 제목\.text: "
                                        r"'titel' is undefined"):
        render(cards, tmp_path)


def test_jinja_errors_in_channel_texts_name_the_text_file_and_line(tmp_path) -> None:
    cards = make(tmp_path, texts={"facebook": "첫 줄\n{{ title }}\n{% if %}\n"})
    with pytest.raises(TemplateError, match=r"texts/facebook\.j2:3: Jinja2 syntax error"):
        render(cards, tmp_path)
    (cards / "card" / "texts" / "facebook.j2").write_text("첫 줄\n둘째 줄\n{{ place }}\n",
                                                          encoding="utf-8")
    with pytest.raises(DataError, match=r"texts/facebook\.j2:3: 'place' is undefined"):
        render(cards, tmp_path)


def test_the_sandbox_refuses_unsafe_attribute_access(tmp_path) -> None:
    cards = make(tmp_path, texts={"facebook": "{{ title.__class__.__mro__ }}"})
    with pytest.raises(DataError, match=r"facebook\.j2"):
        render(cards, tmp_path)


# --- template structure --------------------------------------------------------------------

def test_unknown_layer_key_names_the_allowed_ones(tmp_path) -> None:
    cards = make(tmp_path, BASE.replace('color: "#000000"', 'colour: "#000000"'))
    with pytest.raises(TemplateError, match=r"template\.yaml:\d+: slides\[0\]\.layers\[1\]\.colour: "
                                            r"unknown key 'colour'; allowed here: .*color"):
        render(cards, tmp_path)


def test_box_outside_the_canvas_is_refused(tmp_path) -> None:
    cards = make(tmp_path, BASE.replace("box: [20, 20, 360, 120]", "box: [100, 20, 360, 120]"))
    with pytest.raises(TemplateError, match=r"template\.yaml:12: slides\[0\]\.layers\[1\]\.box: box "
                                            r"\[100, 20, 360, 120\] is not inside the 400x300 canvas"):
        render(cards, tmp_path)


def test_a_box_computed_from_data_is_checked_too(tmp_path) -> None:
    cards = make(tmp_path, BASE.replace("box: [20, 20, 360, 120]",
                                        'box: "{{ [20, 20, title | length * 100, 120] }}"'))
    with pytest.raises(TemplateError, match=r"layer 제목\.box: box \[20, 20, 900, 120\] is not inside"):
        render(cards, tmp_path)


def test_every_slide_needs_alt_text(tmp_path) -> None:
    cards = make(tmp_path, BASE.replace('    alt: "{{ title }}"\n', ""))
    with pytest.raises(TemplateError, match=r"slides\[0\]\.alt: every slide needs alt text"):
        render(cards, tmp_path)


# --- data ----------------------------------------------------------------------------------

def test_missing_required_field_names_field_and_file(tmp_path, capsys) -> None:
    cards = make(tmp_path)
    data = tmp_path / "week.yaml"
    data.write_text("when: 2026-05-16\n", encoding="utf-8")
    with pytest.raises(DataError, match=r"week\.yaml:1: title: missing required field \(제목\): add title:"):
        render(cards, tmp_path, data_file=data)
    code, _, err = cli(tmp_path, cards, "render", "card", "--data", str(data), capsys=capsys)
    assert code == 2 and "title: missing required field" in one_line(err)


def test_mistyped_field_names_file_line_and_expected_type(tmp_path) -> None:
    cards = make(tmp_path)
    data = tmp_path / "week.yaml"
    data.write_text("title: 주말\nwhen: 5월 16일\n", encoding="utf-8")
    with pytest.raises(DataError, match=r"week\.yaml:2: when: expected a date like 2026-05-16, "
                                        r"got '5월 16일'"):
        render(cards, tmp_path, data_file=data)


def test_list_items_are_checked_with_their_index(tmp_path) -> None:
    yaml_text = BASE.replace("  photo: {type: image, required: false}\n",
                             "  events: {type: list, items: {start: {type: date}}}\n")
    cards = make(tmp_path, yaml_text)
    data = tmp_path / "d.yaml"
    data.write_text("title: 주말\nevents:\n  - start: 2026-05-16\n  - start: 내일\n", encoding="utf-8")
    with pytest.raises(DataError, match=r"d\.yaml:4: events\[1\]\.start: expected a date"):
        render(cards, tmp_path, data_file=data)


def test_unknown_field_in_a_data_file_is_a_typo(tmp_path) -> None:
    cards = make(tmp_path)
    data = tmp_path / "d.yaml"
    data.write_text("title: 주말\ntitel: 오타\n", encoding="utf-8")
    with pytest.raises(DataError, match=r"d\.yaml:2: titel: unknown field"):
        render(cards, tmp_path, data_file=data)


def test_data_file_with_bad_yaml_names_its_line(tmp_path) -> None:
    cards = make(tmp_path)
    data = tmp_path / "d.yaml"
    data.write_text("title: 주말\nwhen: [2026\n", encoding="utf-8")
    with pytest.raises(DataError, match=r"d\.yaml:\d+: not valid YAML"):
        render(cards, tmp_path, data_file=data)


# --- fonts, images, text -------------------------------------------------------------------

def test_unknown_font_names_the_family_and_the_template_line(tmp_path) -> None:
    cards = make(tmp_path, BASE.replace('color: "#000000"', 'color: "#000000", font: 천안체'))
    with pytest.raises(FontError, match=r"template\.yaml:13: slide 1 \(표지\), layer 제목\.font: "
                                        r"unknown font family '천안체': put its \.ttf/\.otf "
                                        r"files in .*card/fonts or the system's fonts"):
        render(cards, tmp_path)


def test_characters_missing_from_the_font_are_an_error_not_tofu(tmp_path) -> None:
    # emoji come from the emoji font (tests/test_typography.py); Thai is in no font we ship
    cards = make(tmp_path, sample="title: 천안 주말 ก\n")
    with pytest.raises(FontError, match=r"field title: font .* has no glyph for 'ก' \(U\+0E01\)"):
        render(cards, tmp_path)


def test_missing_image_names_field_and_path(tmp_path) -> None:
    cards = make(tmp_path, sample="title: 주말\nphoto: photos/없는사진.jpg\n")
    with pytest.raises(ImageError, match=r"sample\.yaml:2: photo: image file not found: .*없는사진\.jpg"):
        render(cards, tmp_path)


def test_corrupt_image_is_an_error_naming_the_file(tmp_path) -> None:
    yaml_text = BASE + '      - {type: image, box: [20, 150, 100, 100], src: "{{ photo }}"}\n'
    cards = make(tmp_path, yaml_text, sample="title: 주말\nphoto: broken.jpg\n")
    (cards / "card" / "broken.jpg").write_bytes(b"\xff\xd8\xff\xe0 not really a jpeg")
    # refused at the data file's line, before any slide is painted
    with pytest.raises(ImageError, match=r"sample\.yaml:2: photo: broken\.jpg is not a readable image"):
        render(cards, tmp_path)


def test_overflowing_text_names_template_slide_layer_and_text(tmp_path) -> None:
    long = "천안삼거리공원 능수버들 봄밤 야간 산책과 거리 버스킹 공연 " * 4
    cards = make(tmp_path, sample=f"title: {long}\n")
    with pytest.raises(TextOverflow) as info:
        render(cards, tmp_path)
    message = str(info.value)
    assert "card/template.yaml:12: slide 1 (표지), layer 제목.text" in message
    assert "template card" in message and "천안삼거리공원 능수버들" in message
    assert "even at 20 px" in message and "ellipsis: true" in message


# --- channel texts -------------------------------------------------------------------------

def test_channel_text_over_its_limit_is_refused(tmp_path, capsys) -> None:
    cards = make(tmp_path, texts={"kakao": "{% for i in range(60) %}{{ title }} 안내 문구입니다.\n{% endfor %}"})
    with pytest.raises(TextLimitExceeded, match=r"texts/kakao\.j2: the kakao text is 1,\d{3} "
                                                r"characters, over the 1,000 allowed"):
        render(cards, tmp_path)
    code, _, err = cli(tmp_path, cards, "render", "card", capsys=capsys)
    assert code == 2 and "over the 1,000 allowed" in one_line(err)


def test_instagram_hashtag_limit(tmp_path) -> None:
    tags = " ".join(f"#태그{i}" for i in range(31))
    cards = make(tmp_path, texts={"instagram": "{{ title }}\n" + tags})
    with pytest.raises(TextLimitExceeded, match="31 hashtags, over the 30 allowed"):
        render(cards, tmp_path)


def test_a_template_may_lower_a_limit_but_not_raise_it(tmp_path) -> None:
    cards = make(tmp_path, BASE + "texts:\n  kakao: {max_chars: 5000}\n  facebook: {max_chars: 10}\n",
                 texts={"kakao": "{{ title }}", "facebook": "{{ title }} 이번 주말 소식"})
    with pytest.raises(TextLimitExceeded, match="over the 10 allowed"):
        render(cards, tmp_path)
    from outreach.render.texts import limits_for

    assert limits_for("kakao", {"kakao": {"max_chars": 5000}})["max_chars"] == 1000


# --- nothing half-written ------------------------------------------------------------------

def test_a_failed_render_leaves_the_previous_output_untouched(tmp_path) -> None:
    cards = make(tmp_path)
    first = render(cards, tmp_path)
    before = sorted(p.name for p in first.out_dir.iterdir())
    data = tmp_path / "bad.yaml"
    data.write_text("title: 주말 ก\n", encoding="utf-8")
    with pytest.raises(FontError):
        render(cards, tmp_path, data_file=data)
    assert sorted(p.name for p in first.out_dir.iterdir()) == before
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".out")] == []


def test_render_refuses_to_replace_a_folder_that_is_not_render_output(tmp_path) -> None:
    cards = make(tmp_path)
    (tmp_path / "out").mkdir()
    (tmp_path / "out" / "보고서.hwp").write_text("staff's own file")
    with pytest.raises(TemplateError, match="holds other files"):
        render(cards, tmp_path)
    assert (tmp_path / "out" / "보고서.hwp").exists()


# --- listing -------------------------------------------------------------------------------

def test_list_templates_reports_fields_texts_and_canvas() -> None:
    infos = {i.name: i for i in list_templates(REPO / "templates" / "cards")}
    assert {"weekend-guide", "now-in-city"} <= set(infos)
    guide = infos["weekend-guide"]
    assert guide.canvas == (1080, 1350)
    assert set(guide.texts) == {"blog", "facebook", "instagram", "kakao", "youtube", "band", "threads"}
    events = next(f for f in guide.fields if f.name == "events")
    assert events.type == "list" and {"title", "place", "photo", "start"} <= {f.name for f in events.items}
    assert infos["now-in-city"].canvas == (1080, 1080)


def test_cli_templates_prints_names_descriptions_and_fields(tmp_path, capsys) -> None:
    code, out, _ = cli(tmp_path, REPO / "templates" / "cards", "templates", capsys=capsys)
    assert code == 0
    assert "weekend-guide  (1080x1350" in out and "주말사용설명서" in out
    assert "events (list)" in out and "- title (text)" in out and "link (url, optional)" in out


def test_bad_input_in_a_real_process_is_one_line_and_exit_2(tmp_path) -> None:
    data = tmp_path / "week.yaml"
    data.write_text("week_label: 5월 셋째 주\nstart_date: 내일\n", encoding="utf-8")
    env = {**os.environ, "OUTREACH_HOME": str(REPO)}
    proc = subprocess.run([sys.executable, "-m", "outreach", "render", "weekend-guide",
                           "--data", str(data), "--out", str(tmp_path / "tmp")],
                          capture_output=True, text=True, cwd=tmp_path, env=env, timeout=60)
    assert proc.returncode == 2
    assert "Traceback" not in proc.stderr
    assert proc.stderr.count("\n") == 1
    assert "week.yaml:2: start_date: expected a date like 2026-05-16" in proc.stderr
    assert not (tmp_path / "tmp").exists()
