"""Does the new text of a reply ask us to stop writing? (English, Japanese, Korean, European.)

``opt_out_request(text)`` is given the new text only (quotes already removed, see new_text). A
request is a phrase such as "unsubscribe", "remove me", "stop emailing", 配信停止, 수신거부,
"désinscrire", "abmelden", "darse de baja"; a negation just before it ("I won't unsubscribe",
"no need to remove me") cancels it. Patterns are bounded and linear in the input.
"""

from __future__ import annotations

import re

__all__ = ["opt_out_request"]

MAX_CHARS = 20_000

_REQUESTS = [
    r"unsubscribe|unsubscribing|opt\s*-?\s*out|opting\s+out",
    r"remove\s+(?:me|my\s+(?:e-?mail|address|name))|take\s+me\s+off",
    r"stop\s+(?:e-?mailing|emails?|contacting|messaging|writing|sending)",
    r"(?:do\s+not|don'?t|dont|never)\s+(?:e-?mail|contact|write\s+to|message)\s+me",
    r"no\s+(?:more|further)\s+(?:e-?mails|messages|contact)",
    r"(?:e-?mail|contact)\s+me\s+no\s+more|leave\s+me\s+alone",
    r"désinscri|désabonn|ne\s+plus\s+(?:me\s+)?(?:contacter|écrire|recevoir)",
    r"abmelden|abbestellen|austragen|keine\s+(?:weiteren\s+)?(?:e-?mails|nachrichten)",
    r"darme\s+de\s+baja|darse\s+de\s+baja|dar\s+de\s+baja|no\s+me\s+(?:contacte|escriba)",
    r"cancellami|disiscriv|non\s+contattarmi|uitschrijven|afmelden",
    r"descadastr|não\s+me\s+contate|wypisz|отпиш",
    r"配信停止|配信を?停止|配信解除|購読解除|登録解除|送らないで|連絡しないで|"
    r"今後の(?:ご)?連絡は(?:不要|結構|ご遠慮)|今後(?:は)?(?:ご)?連絡(?:は)?不要|メールは不要",
    r"수신\s*거부|수신\s*거절|구독\s*취소|연락\s*하지\s*마|연락하지\s*말아|"
    r"메일\s*보내지\s*마|더\s*이상\s*연락|그만\s*보내",
]
_REQUEST = re.compile("|".join(f"(?:{p})" for p in _REQUESTS), re.IGNORECASE)
# A negation in the few words just before the request cancels it.
_NEGATION = re.compile(
    r"(?:\b(?:not|won'?t|wouldn'?t|will\s+not|never|no\s+need\s+to|don'?t\s+want\s+to|"
    r"didn'?t|do\s+not\s+want\s+to|please\s+don'?t|no\s+reason\s+to)\b"
    r"|\bne\b|\bnicht\b|\bno\b)[\w\s',]{0,25}$",
    re.IGNORECASE,
)
_NEGATION_AFTER_JA = re.compile(r"^[^。\n]{0,6}(?:しません|しない|不要です|したくない)")
# Korean also negates after the verb: "수신거부는 하지 않을게요", "수신 거부 안 할게요".
_NEGATION_AFTER_KO = re.compile(r"^[^.\n]{0,6}(?:하지\s*않|안\s*(?:해|할|합|하))")
_KO_REQUEST = re.compile(r"수신\s*거[부절]|구독\s*취소")


MAX_LINE_CHARS = 120  # of the line quoted in the history


def opt_out_request(text: str) -> bool:
    """True when the text asks to stop receiving messages."""
    return opt_out_line(text) is not None


def opt_out_line(text: str) -> str | None:
    """The line of the text that asks to stop receiving messages (None: no such request).

    What a history shows for an opt-out: the words that opted out, not the greeting.
    """
    text = text[:MAX_CHARS]
    for match in _REQUEST.finditer(text):
        before = text[max(0, match.start() - 40) : match.start()]
        phrase = match.group(0)
        if phrase.lower().startswith(("don", "do ", "never", "no ", "ne ")):
            pass  # the request itself is phrased negatively ("don't contact me")
        elif _NEGATION.search(before):
            continue
        if phrase in ("配信停止", "配信解除") and _NEGATION_AFTER_JA.match(text[match.end() :]):
            continue
        if _KO_REQUEST.fullmatch(phrase) and _NEGATION_AFTER_KO.match(text[match.end() :]):
            continue
        start = text.rfind("\n", 0, match.start()) + 1
        end = text.find("\n", match.end())
        line = " ".join(text[start : end if end != -1 else len(text)].split())
        return line[:MAX_LINE_CHARS]
    return None
