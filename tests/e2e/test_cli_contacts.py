"""End to end: importing, listing and showing creators through the installed command."""

from __future__ import annotations

from pathlib import Path

from tests.conftest import run_outreach

GOOD_ROWS = (
    "handle,email,name,platform,followers,engagement_rate,niches,language,skin type\n"
    '@Yuna.Beauty,yuna@mail.example,鈴木 由奈,instagram,"12,300",4.2%,Skincare; Vegan,ja,乾燥肌\n'
)
BAD_ROWS = (
    "ok.one,one@mail.example,One Person,tiktok,2000,3,makeup,en,oily\n"
    "bad.email,not-an-address,Bad Email,tiktok,2000,3,makeup,en,oily\n"
    "bad.followers,f@mail.example,Bad Followers,tiktok,lots,3,makeup,en,oily\n"
    "bad.rate,r@mail.example,Bad Rate,tiktok,2000,140,makeup,en,oily\n"
    ",nohandle@mail.example,No Handle,tiktok,2000,3,makeup,en,oily\n"
    "ok.one,dup@mail.example,Duplicate,tiktok,2000,3,makeup,en,oily\n"
)


def write_csv(folder: Path, text: str) -> Path:
    path = folder / "contacts" / "batch.csv"
    path.write_text(text, encoding="utf-8")
    return path


def test_importing_the_sample_twice_changes_nothing_the_second_time(workspace: Path) -> None:
    first = run_outreach(workspace, "contacts", "import", "contacts/creators.csv")
    second = run_outreach(workspace, "contacts", "import", "contacts/creators.csv")

    assert first.code == second.code == 0
    assert first.stdout == "Imported 8, updated 0, unchanged 0, skipped 0.\n"
    assert second.stdout == "Imported 0, updated 0, unchanged 8, skipped 0.\n"


def test_bad_rows_are_reported_by_line_and_the_good_rows_imported(workspace: Path) -> None:
    write_csv(workspace, GOOD_ROWS + BAD_ROWS)

    result = run_outreach(workspace, "contacts", "import", "contacts/batch.csv")

    assert result.code == 0
    assert result.stdout == "Imported 2, updated 0, unchanged 0, skipped 5.\n"
    assert result.stderr.splitlines()[1:] == [
        "contacts/batch.csv:4: email 'not-an-address' is invalid: An email address must have "
        "an @-sign",
        "contacts/batch.csv:5: followers 'lots' is not a whole number",
        "contacts/batch.csv:6: engagement_rate '140' is outside 0-100 (it is a percentage)",
        "contacts/batch.csv:7: handle is missing",
        "contacts/batch.csv:8: duplicate of line 3 (same handle)",
    ]
    listed = run_outreach(workspace, "contacts", "list")
    assert listed.stdout.splitlines()[2:] == [
        "@ok.one       tiktok     One Person  one@mail.example   2,000      micro  3%    makeup"
        "          en    new",
        "@yuna.beauty  instagram  鈴木 由奈   yuna@mail.example  12,300     micro  4.2%  "
        "skincare;vegan  ja    new",
        "2 creators",
    ]


def test_a_file_without_an_email_column_imports_nothing(workspace: Path) -> None:
    write_csv(workspace, "handle,name\nyuna,Yuna\n")

    result = run_outreach(workspace, "contacts", "import", "contacts/batch.csv")

    assert result.code == 1
    assert result.stderr.splitlines()[-1] == (
        "error: contacts/batch.csv:1: missing required column 'email'; nothing imported"
    )
    assert run_outreach(workspace, "contacts", "list").stdout.endswith("0 creators\n")


def test_a_file_with_a_bom_and_windows_line_ends_imports(workspace: Path) -> None:
    path = workspace / "contacts" / "excel.csv"
    path.write_bytes(("\ufeff" + GOOD_ROWS).replace("\n", "\r\n").encode("utf-8"))

    result = run_outreach(workspace, "contacts", "import", "contacts/excel.csv")

    assert result.stdout == "Imported 1, updated 0, unchanged 0, skipped 0.\n"


def test_a_file_that_is_not_utf8_names_the_line(workspace: Path) -> None:
    path = workspace / "contacts" / "legacy.csv"
    path.write_bytes("handle,email,name\nyuna,y@mail.example,鈴木\n".encode("shift_jis"))

    result = run_outreach(workspace, "contacts", "import", "contacts/legacy.csv")

    assert result.code == 1
    assert result.stderr.splitlines()[-1] == (
        "error: contacts/legacy.csv:2: not valid UTF-8; save the file as UTF-8 (CSV UTF-8 in Excel)"
    )


def test_a_changed_row_is_updated_and_noted_in_the_history(workspace: Path) -> None:
    write_csv(workspace, GOOD_ROWS)
    run_outreach(workspace, "contacts", "import", "contacts/batch.csv")
    write_csv(workspace, GOOD_ROWS.replace('"12,300"', "15k"))

    result = run_outreach(workspace, "contacts", "import", "contacts/batch.csv")

    assert result.stdout == "Imported 0, updated 1, unchanged 0, skipped 0.\n"
    history = run_outreach(workspace, "history", "yuna.beauty").stdout.splitlines()
    assert history[0] == "@yuna.beauty (instagram) 鈴木 由奈 <yuna@mail.example>"
    events = [line.split(maxsplit=3)[3] for line in history[1:3]]  # drop date, time, zone
    assert events == [
        "imported       added from batch.csv line 2",
        "updated        followers updated from batch.csv line 2",
    ]


def test_show_lists_every_field_with_detected_language_marked(workspace: Path) -> None:
    run_outreach(workspace, "contacts", "import", "contacts/creators.csv")

    result = run_outreach(workspace, "contacts", "show", "@haruka_vegancos")

    assert result.code == 0
    fields = dict(line.split(":", 1) for line in result.stdout.splitlines())
    assert fields["language"].strip() == "ja (detected)"
    assert fields["tier"].strip() == "micro"
    assert fields["followers"].strip() == "6,200"
    assert fields["skin_type"].strip() == "混合肌"


def test_list_filters_by_tier_niche_and_language(workspace: Path) -> None:
    run_outreach(workspace, "contacts", "import", "contacts/creators.csv")

    nano = run_outreach(workspace, "contacts", "list", "--tier", "nano")
    korean_vegan = run_outreach(
        workspace, "contacts", "list", "--language", "ko", "--niche", "vegan"
    )

    assert [line.split()[0] for line in nano.stdout.splitlines()[2:-1]] == ["@jiho.haircare"]
    assert [line.split()[0] for line in korean_vegan.stdout.splitlines()[2:-1]] == [
        "@seoyeon.vegan"
    ]


def test_show_of_an_unknown_handle_is_a_clear_error(workspace: Path) -> None:
    result = run_outreach(workspace, "contacts", "show", "nobody")

    assert result.code == 1
    assert result.stderr.splitlines()[-1] == (
        "error: no creator @nobody; see 'outreach contacts list'"
    )


def test_an_unknown_tier_is_a_usage_error(workspace: Path) -> None:
    result = run_outreach(workspace, "contacts", "list", "--tier", "giant")

    assert result.code == 2
    assert "'giant' is not one of nano, micro, macro, mega" in result.stderr


def test_a_nul_byte_skips_its_row_only(workspace: Path) -> None:
    write_csv(workspace, GOOD_ROWS + "broken,bro\x00ken@mail.example,Broken\n")

    result = run_outreach(workspace, "contacts", "import", "contacts/batch.csv")

    assert result.code == 0
    assert result.stdout == "Imported 1, updated 0, unchanged 0, skipped 1.\n"
    assert "contacts/batch.csv:3: holds a NUL byte (a damaged row)" in result.stderr


def test_utf16_and_semicolon_files_say_how_to_save_them(workspace: Path) -> None:
    utf16 = workspace / "contacts" / "unicode.csv"
    utf16.write_bytes(GOOD_ROWS.encode("utf-16"))
    write_csv(workspace, GOOD_ROWS.replace(",", ";"))

    as_utf16 = run_outreach(workspace, "contacts", "import", "contacts/unicode.csv")
    as_semicolons = run_outreach(workspace, "contacts", "import", "contacts/batch.csv")

    assert as_utf16.code == as_semicolons.code == 1
    assert "is UTF-16 (Excel's 'Unicode Text')" in as_utf16.stderr
    assert "separated by semicolons, not commas" in as_semicolons.stderr
