"""Finding campaign files in schedules/: broken neighbours, misnamed files, duplicates."""

from __future__ import annotations

from pathlib import Path

import pytest

from outreach.adapters.campaign_files import find_campaign, load_all_campaigns, load_campaign_file
from outreach.errors import CampaignError, NotFoundError

GOOD = (
    'name = "{name}"\nproduct = "Rice Bran Serum"\n[[steps]]\ntemplate = "proposal"\ndelay = "0d"\n'
)


def test_a_broken_file_does_not_hide_another_campaign(tmp_path: Path) -> None:
    (tmp_path / "broken.toml").write_text("name = \n", encoding="utf-8")
    (tmp_path / "spring.toml").write_text(GOOD.format(name="spring"), encoding="utf-8")

    assert find_campaign(tmp_path, "spring").name == "spring"


def test_a_file_named_after_another_campaign_is_not_taken_for_it(tmp_path: Path) -> None:
    (tmp_path / "b4.toml").write_text(GOOD.format(name="other"), encoding="utf-8")

    with pytest.raises(NotFoundError) as missing:
        find_campaign(tmp_path, "b4")

    assert str(missing.value) == (
        f"no campaign named 'b4' in {tmp_path} ({tmp_path / 'b4.toml'} is named 'other')"
    )


def test_a_broken_campaign_file_names_file_and_key(tmp_path: Path) -> None:
    (tmp_path / "spring.toml").write_text(
        GOOD.format(name="spring").replace('"0d"', '"soon"'), encoding="utf-8"
    )

    with pytest.raises(CampaignError, match=r"spring\.toml:\d+: steps\[1\]\.delay: "):
        find_campaign(tmp_path, "spring")


def test_two_files_with_one_name_are_refused(tmp_path: Path) -> None:
    (tmp_path / "a.toml").write_text(GOOD.format(name="spring"), encoding="utf-8")
    (tmp_path / "b.toml").write_text(GOOD.format(name="spring"), encoding="utf-8")

    with pytest.raises(CampaignError, match="name 'spring' is already used by"):
        load_all_campaigns(tmp_path)


def test_an_edited_file_is_read_as_it_now_is_and_a_broken_one_refused_every_time(
    tmp_path: Path,
) -> None:
    path = tmp_path / "spring.toml"
    path.write_text(GOOD.format(name="spring"), encoding="utf-8")
    first = load_campaign_file(path)
    assert load_campaign_file(path) is first  # the same text: validated once

    path.write_text(GOOD.format(name="spring").replace("Rice Bran", "Camellia"), encoding="utf-8")
    assert load_campaign_file(path).product == "Camellia Serum"

    path.write_text(GOOD.format(name="spring").replace('"0d"', '"soon"'), encoding="utf-8")
    for _ in range(2):
        with pytest.raises(CampaignError, match=r"steps\[1\]\.delay"):
            load_campaign_file(path)

    path.write_text(GOOD.format(name="spring"), encoding="utf-8")
    assert load_campaign_file(path) == first
