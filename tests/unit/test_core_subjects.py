"""Thread subjects under reply and forward prefixes."""

import pytest

from outreach.core.subjects import base_subject


@pytest.mark.parametrize(
    ("subject", "base"),
    [
        ("Rice Bran Serum for @misaki", "rice bran serum for @misaki"),
        ("Re: Rice Bran Serum for @misaki", "rice bran serum for @misaki"),
        ("RE: Re: Fwd: Rice  Bran Serum", "rice bran serum"),
        ("Re[2]: Serum", "serum"),
        ("AW: WG: Serum", "serum"),
        ("SV: Serum", "serum"),
        ("Re：ライスブランセラムのご提案", "ライスブランセラムのご提案"),
        ("返信: ご提案", "ご提案"),
        ("(광고) Re: 세럼 제안", "세럼 제안"),
        ("회신: (광고) 세럼 제안", "세럼 제안"),
        ("답장: 세럼", "세럼"),
        ("Fw: Serum", "serum"),
        ("Regarding the serum", "regarding the serum"),
        ("Re:", ""),
    ],
)
def test_base_subject_strips_prefixes_in_many_languages(subject: str, base: str) -> None:
    assert base_subject(subject) == base
