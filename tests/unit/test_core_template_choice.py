"""Which language version of a template a creator receives."""

import pytest

from outreach.core.template_choice import choose_language


@pytest.mark.parametrize(
    ("available", "creator", "campaign", "chosen"),
    [
        ({"en", "ja", "ko"}, "ja", "en", "ja"),
        ({"en", "ja", "ko"}, "ko", "ja", "ko"),
        ({"en", "ja"}, "fr", "ja", "ja"),
        ({"en", "ja"}, None, "ja", "ja"),
        ({"en", "ja"}, "fr", "de", "en"),
        ({"en", "ja"}, None, None, "en"),
        ({"ja", "ko"}, "fr", "de", None),
        ({"ja", "ko"}, None, None, None),
        (set(), "ja", "ja", None),
        ({"en", "ja"}, "", "", "en"),
    ],
)
def test_choose_language_prefers_creator_then_campaign_then_english(
    available: set[str], creator: str | None, campaign: str | None, chosen: str | None
) -> None:
    assert choose_language(available, creator, campaign) == chosen
