"""Deterministic language detection that answers None rather than guess on short text."""

import re
from functools import lru_cache

from outreach.constants import (
    LANGUAGE_DETECTION_SEED,
    LANGUAGE_MIN_LETTERS,
    LANGUAGE_MIN_LETTERS_CJK,
    LANGUAGE_MIN_PROBABILITY,
)

_KANA = re.compile(r"[\u3040-\u30ff]")
_HANGUL = re.compile(r"[\uac00-\ud7af\u1100-\u11ff\u3130-\u318f]")
# Kana, CJK ideographs and Hangul syllables: scripts written without spaces between words.
CJK_CHARACTER = re.compile(r"[\u3040-\u30ff\u3400-\u9fff\uac00-\ud7af]")
_HAN = re.compile(r"[\u3400-\u9fff]")
_LETTER = re.compile(r"[^\W\d_]")
_URL = re.compile(r"\S+://\S+|\S+@\S+")


@lru_cache(maxsize=256)  # the inbox asks twice for each reply (reading it, classifying it)
def detect_language(*texts: str | None) -> str | None:
    """The ISO 639-1 code of the texts' language, or None when too short or unsure."""
    text = _URL.sub(" ", " ".join(t for t in texts if t)).strip()
    cjk_letters = len(CJK_CHARACTER.findall(text))
    letters = len(_LETTER.findall(text))
    if cjk_letters < LANGUAGE_MIN_LETTERS_CJK and letters < LANGUAGE_MIN_LETTERS:
        return None
    # Kana and Hangul are unambiguous; langdetect sometimes calls kanji-heavy Japanese "zh".
    if _KANA.search(text) and cjk_letters * 2 >= letters:
        return "ja"
    if _HANGUL.search(text) and cjk_letters * 2 >= letters:
        return "ko"
    return _langdetect(text)


def script_language(text: str) -> str | None:
    """The language a text's script gives away, however short: kana is Japanese, Hangul
    Korean, and Han characters alone Chinese (Japanese and Korean text has kana or Hangul)."""
    if _KANA.search(text):
        return "ja"
    if _HANGUL.search(text):
        return "ko"
    return "zh" if _HAN.search(text) else None


def _langdetect(text: str) -> str | None:
    # Imported here: loading its profiles costs every command that never detects a language.
    from langdetect import DetectorFactory, LangDetectException, detect_langs

    # langdetect is random by design; a fixed seed makes the same text give the same answer.
    DetectorFactory.seed = LANGUAGE_DETECTION_SEED
    try:
        candidates = detect_langs(text)
    except LangDetectException:
        return None
    best = candidates[0]
    if best.prob < LANGUAGE_MIN_PROBABILITY:
        return None
    return str(best.lang).split("-")[0]
