"""What the reply classifier reads of a text: character n-grams, words and a few strong signals.

Character n-grams need no Japanese or Korean tokenizer and survive typos. Digits are folded to
0, so "$600" and "$350" are one feature. The signals name what a brand acts on and what
n-grams see only in pieces: an amount with a currency, a month or date, an agency word, a
refusal or negation, a question.
"""

from __future__ import annotations

import itertools
import re
import unicodedata
from collections import Counter

NGRAM_SIZES = (1, 2, 3, 4)
_SPACE = re.compile(r"\s+")
_DIGITS = re.compile(r"\d")
_WORD = re.compile(r"[a-z0][a-z0']*")
_SIGNALS = {
    "§amount": re.compile(
        r"[$€£¥￥₩]\s?0|0[0,.]*\s?(円|万円|万|千円|원|만\s?원|usd|dollars?|gbp|eur|pounds?|euros?|k\b)"
        r"|0\s?만|단가|원고료|ギャラ|報酬|謝礼|料金|rate card|media kit|媒体資料|미디어킷",
        re.IGNORECASE,
    ),
    "§later": re.compile(
        r"\b(january|february|march|april|may|june|july|august|september|october|november"
        r"|december|spring|summer|autumn|fall|winter|q[1-4]|quarter|next (week|month|year)"
        r"|new year|christmas|holidays?|later|after)\b"
        r"|0+月|0+월|年明け|来月|来年|来期|来シーズン|春|夏|秋|冬|以降|落ち着いたら|後で|あとで"
        r"|다음\s?달|내년|연초|연말|봄|여름|가을|겨울|이후|나중에|뒤에|후에",
        re.IGNORECASE,
    ),
    "§agency": re.compile(
        r"\b(manager|management|mgmt|agent|agency|talent|representation|rep|mcn|booking"
        r"|team)\b|事務所|マネージャー|マネジメント|キャスティング|プロダクション|エージェント"
        r"|代理店|소속사|매니저|에이전시|매니지먼트|소속|캐스팅|대행사",
        re.IGNORECASE,
    ),
    "§no": re.compile(
        r"\b(no|not|don't|dont|won't|can't|cannot|never|pass|decline|declining|unfortunately"
        r"|sorry)\b|ません|ない|お断り|見送|辞退|遠慮|結構です|難しい|できかね|控え"
        r"|안\s|않|못\s|거절|사양|어렵|괜찮습니다|괜찮아요|죄송",
        re.IGNORECASE,
    ),
    "§question": re.compile(
        r"[?？]|でしょうか|ますか|ですか|ますでしょうか|나요|까요|인가요|있나요|되나요"
    ),
}


def normalise(text: str) -> str:
    """Width and case folded, digits as 0, whitespace collapsed."""
    folded = unicodedata.normalize("NFKC", text).lower()
    return _SPACE.sub(" ", _DIGITS.sub("0", folded)).strip()


def features(text: str) -> Counter[str]:
    """The features of a reply and how often each occurs."""
    plain = normalise(text)
    padded = f" {plain} "
    found: Counter[str] = Counter()
    for size in NGRAM_SIZES:
        found.update(padded[i : i + size] for i in range(len(padded) - size + 1))
    words = _WORD.findall(plain)
    found.update(f"w:{word}" for word in words)
    found.update(f"w:{a} {b}" for a, b in itertools.pairwise(words))
    found.update(name for name, pattern in _SIGNALS.items() if pattern.search(plain))
    return found
