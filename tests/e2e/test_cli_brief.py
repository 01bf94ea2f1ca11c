"""End to end: `outreach brief`, {{ brief }} in templates, and campaign files the rules refuse."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.conftest import run_outreach


@pytest.fixture
def imported(workspace: Path) -> Path:
    assert run_outreach(workspace, "contacts", "import", "contacts/creators.csv").code == 0
    return workspace


def edit_campaign(workspace: Path, old: str, new: str) -> Path:
    path = workspace / "schedules" / "spring-serum.toml"
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    return path


def line_of(path: Path, start: str) -> int:
    lines = path.read_text(encoding="utf-8").splitlines()
    return next(number for number, line in enumerate(lines, 1) if line.startswith(start))


def test_each_creator_gets_the_brief_in_their_language_with_their_countrys_label(
    imported: Path,
) -> None:
    japanese = run_outreach(imported, "brief", "@misaki.hada", "--campaign", "spring-serum")
    korean = run_outreach(imported, "brief", "minji.glow", "--campaign", "spring-serum")
    english = run_outreach(imported, "brief", "hannahbrooks.skin", "--campaign", "spring-serum")

    assert japanese.code == 0, japanese.stderr
    assert japanese.stdout.startswith("ブリーフ：Rice Bran Serum\nテーマ：")
    assert "「#PR」または「#プロモーション」" in japanese.stdout
    assert "핵심 메시지: 피부가 예민한 날에도" in korean.stdout and '"협찬"' in korean.stdout
    assert "Core message: Gentle enough" in english.stdout and '"#ad"' in english.stdout
    assert "FTC Endorsement Guides" in english.stderr


def test_a_template_places_the_brief_and_the_disclosure(imported: Path) -> None:
    template = imported / "templates" / "messages" / "ja" / "proposal.txt"
    text = template.read_text(encoding="utf-8").partition("--- html ---")[0]
    template.write_text(text.rstrip("\n") + "\n\n{{ brief }}\n({{ disclosure }})\n",
                        encoding="utf-8")  # fmt: skip

    shown = run_outreach(imported, "preview", "--to", "misaki.hada", "--template", "proposal",
                         "--campaign", "spring-serum")  # fmt: skip

    assert shown.code == 0, shown.stderr
    assert "伝えたいこと：肌が揺らぐ日にも" in shown.stdout and "(#PR)" in shown.stdout


def test_a_conversion_campaign_without_must_mention_is_refused_naming_file_line_and_key(
    imported: Path,
) -> None:
    path = edit_campaign(imported, 'objective = "awareness"', 'objective = "conversion"')

    shown = run_outreach(imported, "campaign", "show", "spring-serum")

    assert shown.code == 1
    where = f"{path.relative_to(imported)}:{line_of(path, '[brief]')}: brief.must_mention:"
    assert where in shown.stderr
    assert 'objective = "conversion" needs at least one must_mention' in shown.stderr


def test_an_awareness_brief_with_a_list_of_points_is_refused_saying_why(imported: Path) -> None:
    path = edit_campaign(imported, '# must_mention = ["fragrance-free"]',
                         'must_mention = ["fragrance-free", "vegan"]')  # fmt: skip

    enrolled = run_outreach(imported, "campaign", "enroll", "spring-serum")

    assert enrolled.code == 1
    assert f":{line_of(path, 'must_mention')}: brief.must_mention:" in enrolled.stderr
    assert "awareness leaves tone and expression to the creator" in enrolled.stderr
    assert re.search(r"\d+ enrolled", enrolled.stdout) is None  # nothing was enrolled


def test_a_campaign_without_a_brief_says_so(imported: Path) -> None:
    path = imported / "schedules" / "spring-serum.toml"
    text = path.read_text(encoding="utf-8")
    start, end = text.index("\n[brief]\n"), text.index("\n[selection]")
    path.write_text(text[:start] + text[end:], encoding="utf-8")

    asked = run_outreach(imported, "brief", "misaki.hada", "--campaign", "spring-serum")

    assert asked.code == 1 and "campaign 'spring-serum' has no [brief] section" in asked.stderr
