"""The template library on disk: languages listed, and listed once inside a planning batch."""

from __future__ import annotations

from pathlib import Path

from outreach.adapters.template_files import TemplateLibrary


def _write(root: Path, language: str, name: str) -> None:
    folder = root / language
    folder.mkdir(parents=True, exist_ok=True)
    (folder / f"{name}.txt").write_text("Subject: Hi\n\nHello {{ name }}\n", encoding="utf-8")


def test_languages_are_listed_from_disk_each_time_outside_a_batch(tmp_path: Path) -> None:
    library = TemplateLibrary(tmp_path)
    _write(tmp_path, "en", "proposal")
    assert library.languages("proposal") == ["en"]
    _write(tmp_path, "ja", "proposal")
    assert library.languages("proposal") == ["en", "ja"]


def test_a_batch_lists_once_and_the_next_batch_sees_what_was_added(tmp_path: Path) -> None:
    library = TemplateLibrary(tmp_path)
    _write(tmp_path, "en", "proposal")
    with library.steady():
        assert library.languages("proposal") == ["en"]
        _write(tmp_path, "ko", "proposal")
        assert library.languages("proposal") == ["en"]  # one view for the whole batch
        assert library.languages("follow_up") == []
    with library.steady():
        assert library.languages("proposal") == ["en", "ko"]
    assert library.languages("proposal") == ["en", "ko"]


def test_a_caller_changing_the_list_it_got_does_not_change_the_batch_view(
    tmp_path: Path,
) -> None:
    library = TemplateLibrary(tmp_path)
    _write(tmp_path, "en", "proposal")
    with library.steady():
        library.languages("proposal").append("xx")
        assert library.languages("proposal") == ["en"]
