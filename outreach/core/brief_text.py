"""A brief written out for one creator, in their language (Japanese, Korean, else English)."""

from __future__ import annotations

from outreach.core.briefs import Brief, text_in
from outreach.core.disclosures import Disclosure

_LABELS = {
    "en": {
        "title": "Brief: {product}",
        "theme": "Theme",
        "core_message": "Core message",
        "key_ingredient": "Key ingredient",
        "must_mention": "Please mention",
        "structure": "Structure",
        "disclosure": "Disclosure: please put {tags} at the start of your caption ({why}).",
        "or": " or ",
        "bullet": "- ",
        "colon": ": ",
    },
    "ja": {
        "title": "ブリーフ：{product}",
        "theme": "テーマ",
        "core_message": "伝えたいこと",
        "key_ingredient": "注目成分",
        "must_mention": "触れていただきたい点",
        "structure": "構成",
        "disclosure": "表記のお願い：投稿の冒頭に{tags}と明記してください（{why}）。",
        "or": "または",
        "bullet": "・",
        "colon": "：",
    },
    "ko": {
        "title": "브리프: {product}",
        "theme": "주제",
        "core_message": "핵심 메시지",
        "key_ingredient": "핵심 성분",
        "must_mention": "꼭 언급해 주세요",
        "structure": "구성",
        "disclosure": "표기 안내: 게시물 첫 부분에 {tags} 표기를 꼭 해 주세요 ({why}).",
        "or": " 또는 ",
        "bullet": "- ",
        "colon": ": ",
    },
}
_STRUCTURES = {
    "en": {
        "free": "free (tone and expression are yours)",
        "before_after": "Before & After (your skin before, then after using it)",
        "tutorial": "tutorial (how you use it, step by step)",
        "review": "review (your honest verdict, good and bad)",
    },
    "ja": {
        "free": "自由（トーンや表現はお任せします）",
        "before_after": "ビフォー・アフター（使う前と使った後）",
        "tutorial": "使い方の紹介（手順をひとつずつ）",
        "review": "レビュー（良い点も気になる点も率直に）",
    },
    "ko": {
        "free": "자유 (톤과 표현은 자유롭게 해 주세요)",
        "before_after": "비포 & 애프터 (사용 전과 사용 후)",
        "tutorial": "튜토리얼 (사용 방법을 단계별로)",
        "review": "리뷰 (좋은 점도 아쉬운 점도 솔직하게)",
    },
}
_WHY = {
    "JP": {"ja": "ステルスマーケティング規制のため", "ko": "일본 스텔스 마케팅 규제",
           "en": "required in Japan for sponsored or gifted posts"},
    "KR": {"ja": "韓国公正取引委員会の指針のため", "ko": "공정거래위원회 추천·보증 심사지침",
           "en": "required in Korea by the Fair Trade Commission's guidelines"},
}  # fmt: skip
_WHY_DEFAULT = {
    "ja": "広告であることを明示するため",
    "ko": "광고임을 밝히기 위해",
    "en": "the law asks sponsored and gifted posts to say so",
}


def brief_language(language: str | None) -> str:
    """The language a brief is written in: the creator's when we have it, else English."""
    return language if language in _LABELS else "en"


def render_brief(
    brief: Brief, product: str, language: str | None, fallback: str, disclosure: Disclosure
) -> str:
    """The brief as plain text, in the creator's language, with the disclosure line last.

    Texts written per language are taken in the creator's language, else the campaign's
    (`fallback`); the labels are in the creator's language (Japanese, Korean, else English).
    """
    lang = brief_language(language)
    wanted = language or fallback
    labels = _LABELS[lang]
    colon = labels["colon"]
    lines = [labels["title"].format(product=product)]
    for key in ("theme", "core_message", "key_ingredient"):
        text = text_in(getattr(brief, key), wanted, fallback)
        if text:
            lines.append(f"{labels[key]}{colon}{text}")
    points = brief.points(wanted, fallback)
    if points:
        lines.append(f"{labels['must_mention']}{colon}".rstrip())
        lines += [f"{labels['bullet']}{point}" for point in points]
    lines.append(f"{labels['structure']}{colon}{_STRUCTURES[lang][brief.structure]}")
    lines.append(disclosure_line(disclosure, language))
    return "\n".join(lines)


def disclosure_line(disclosure: Disclosure, language: str | None) -> str:
    """One sentence asking for the label, in the creator's language."""
    lang = brief_language(language)
    labels = _LABELS[lang]
    quote = ("「", "」") if lang == "ja" else ('"', '"')
    tags = labels["or"].join(f"{quote[0]}{tag}{quote[1]}" for tag in disclosure.tags)
    why = _WHY.get(disclosure.country or "", _WHY_DEFAULT)[lang]
    return labels["disclosure"].format(tags=tags, why=why)
