"""Line rules that tell where quoted history and signatures begin in a plain-text reply.

Every regular expression is precompiled, bounded and free of nested repetition, so a hostile
message costs linear time (bench/accuracy_new_text.py prints the regex-DoS guard timings).
``outreach.core.new_text`` applies these rules; the contract is documented there.
"""

from __future__ import annotations

import re

__all__ = [
    "is_delimiter",
    "is_header_block",
    "is_history_marker",
    "is_signature_line",
    "is_wrote_header",
    "quoted",
]

# Lines longer than this are only looked at through their first part by the header rules.
_HEAD = 400
# Japanese carrier and Yahoo! JAPAN mail quote with the full-width "＞" (U+FF1E).
_QUOTE_MARKS = (">", "＞")

_WROTE = (
    r"wrote|writes|schrieb|schreibt|a\s+écrit|écrit|escribió|escreveu|ha\s+scritto|scrisse|"
    r"schreef|skrev|skriver|kirjoitti|napisał(?:\(a\))?|napisała|napsal(?:\(a\))?|"
    r"написал(?:\(а\))?|написала|написав|пише|yazdı|έγραψε|寫道|写道|のメール|님이\s*작성|작성"
)
# The "wrote" word at the end ("On …, Luna <l@x> wrote:") or before the name
# ("Am … schrieb Luna <l@x>:"); both forms end with a colon.
_WROTE_END = re.compile(rf"(?:{_WROTE})\s*[:：]?\s*$", re.IGNORECASE)
_WROTE_ANY = re.compile(rf"(?:^|[\s,])(?:{_WROTE})(?:\s|$|[:：])", re.IGNORECASE)
# Some clients drop the colon: "On Wed, 14 Nov 2018 08:14 -0200 Luna <l@x.com> wrote".
_ADDRESS_THEN_WROTE = re.compile(rf"@[^<>\s]{{1,200}}>\s*(?:{_WROTE})\s*$", re.IGNORECASE)
_ENDS_COLON = re.compile(r"[:：]\s*$")
_HAS_DATE_OR_ADDRESS = re.compile(r"\d|@")
# Gmail in several locales, Yandex, Mail.ru and Opera write no "wrote" word, only a date or
# time and the address: "2017-11-24 16:32 GMT+01:00 Luna <l@x>:", "30.09.2017, 18.30, "Luna"
# <l@x>:", "ср, 30 апр. 2025 г. в 15:19, Luna <l@x>:", "11:00 AM, November 17, 2021, … <l@x>:".
_ADDRESS_COLON_END = re.compile(r"<\s?[^<>\s@]{1,100}@[^<>\s]{1,200}>\s*[:：]$")
_CLOCK_TIME = re.compile(r"(?:^|\D)\d{1,2}[:.]\d{2}(?:\D|$)")
_DATE_ADDRESS_MAX_CHARS = 250
# Gmail's numeric-date form, also seen without the colon once a list or forum rewrote it:
# "2016-03-03 17:21 GMT+01:00 Luna", "2013/7/20 Luna via Forum <forum@x>".
_NUMERIC_DATE_HEADER = re.compile(
    r"^\d{4}[-/]\d{1,2}[-/]\d{1,2}\s+(?:"
    r"\d{1,2}:\d{2}\s+(?:GMT|UTC)[+-]\d{1,2}:?\d{2}\s+[^<>]{1,80}|"
    r"[^<>]{1,80}<\s?[^<>\s@]{1,100}@[^<>\s]{1,200}>"
    r")\s*[:：]?$",
    re.IGNORECASE,
)
_WRAPPED_ADDRESS_END = re.compile(rf"^>\s*(?:(?:{_WROTE})\s*)?[:：]\s*$", re.IGNORECASE)
# The words need a word boundary: "Once", "Let's", "Amazing" start sentences, not headers.
_HEADER_START = re.compile(
    r"^\s*(?:(?:on|at|am|le|el|il|op|em|w\s+dniu|dnia|den|på|pe|dne|в|στις)\b|d\.|"
    r"\d{1,4}[\s./年년-]|\(?(?:mon|tue|wed|thu|fri|sat|sun|mån|tis|ons|tor|fre|lör|sön|man|"
    r"tir|ons|lun|mar|mer|jeu|ven|sam|dim|mo|di|mi|do|fr|sa|so|пн|вт|ср|чт|пт|сб|вс|"
    r"понедельник|вторник|среда|четверг|пятница|суббота|воскресенье|"
    r"понеділок|вівторок|середа|четвер|пʼятниця|субота|неділя)\b)",
    re.IGNORECASE,
)
# Date-first Gmail headers: "2026年3月1日(日) 10:00 Luna <…>:", "2026년 3월 1일 (일) …".
_CJK_DATE_HEADER = re.compile(r"^\s*\d{4}\s*[年년]\s*\d{1,2}\s*[月월]\s*\d{1,2}\s*[日일]")

_SEPARATOR_WORDS = (
    r"original\s+message|forwarded\s+message|ursprüngliche\s+nachricht|originalnachricht|"
    r"weitergeleitete\s+nachricht|message\s+d'origine|message\s+transféré|messaggio\s+originale|"
    r"messaggio\s+inoltrato|mensaje\s+original|mensaje\s+reenviado|mensagem\s+original|"
    r"oorspronkelijk\s+bericht|doorgestuurd\s+bericht|oprindelig\s+meddelelse|oprindelig\s+besked|"
    r"videresendt\s+(?:besked|meddelelse|melding)|"
    r"opprinnelig\s+melding|ursprungligt\s+meddelande|vidarebefordrat\s+meddelande|"
    r"alkuperäinen\s+viesti|wiadomość\s+oryginalna|oryginalna\s+wiadomość|původní\s+zpráva|"
    r"исходное\s+сообщение|пересылаемое\s+сообщение|元のメッセージ|転送されたメッセージ|"
    r"원본\s*메시지|전달된\s*메시지|原始邮件|原始郵件|转发的邮件|forwarded\s+message"
)
_SEPARATOR = re.compile(
    rf"^\s*[-_=*>\s]{{0,40}}\s*(?:{_SEPARATOR_WORDS})\s*[-_=*\s]{{0,40}}$", re.IGNORECASE
)
_FORWARD_INTRO = re.compile(
    r"^\s*(?:begin\s+forwarded\s+message|anfang\s+der\s+weitergeleiteten\s+nachricht|"
    r"début\s+du\s+message\s+réexpédié|inizio\s+messaggio\s+inoltrato|"
    r"comienzo\s+del\s+mensaje\s+reenviado|転送されたメッセージ|以下は転送されたメッセージです)"
    r"\s*[:：]\s*$",
    re.IGNORECASE,
)

_FROM_KEYS = (
    r"from|de|von|van|da|od|fra|från|från|frá|lähettäjä|от|kimden|feladó|från|"
    r"差出人|送信者|보낸\s*사람|보낸사람|发件人|發件人|寄件者|寄件人"
)
_OTHER_KEYS = (
    r"sent|date|to|subject|cc|reply-to|envoyé|date|à|objet|gesendet|datum|an|betreff|"
    r"verzonden|aan|onderwerp|onderwerp|inviato|data|a|oggetto|enviado|enviada|fecha|para|asunto|"
    r"assunto|wysłano|wysłane|do|temat|sendt|til|emne|skickat|till|ämne|lähetetty|vastaanottaja|"
    r"aihe|отправлено|дата|кому|тема|gönderildi|tarih|kime|konu|"
    r"送信日時|送信日|日時|宛先|件名|cc|보낸\s*날짜|날짜|받는\s*사람|제목|참조|"
    r"发送时间|日期|收件人|主题|主旨|時間|收件者"
)
_FROM_LINE = re.compile(rf"^\s*[*>\s]{{0,6}}(?:{_FROM_KEYS})\s*[*]{{0,2}}\s*[:：]", re.IGNORECASE)
_OTHER_LINE = re.compile(
    rf"^\s*[*>\s]{{0,6}}(?:{_OTHER_KEYS}|{_FROM_KEYS})\s*[*]{{0,2}}\s*[:：]", re.IGNORECASE
)

_DELIMITER = re.compile(r"^\s*(?:-{2,}|_{2,}|\*{3,}|#{3,}|~{3,}|={3,}|\+{3,}|ᐧ)\s*$")
_SIG_DASHES = re.compile(r"^--\s?$")
_MOBILE_SIGNATURE = re.compile(
    r"^\s*[<(\[]*\s*(?:"
    r"sent\s+(?:from|via|with|using|by)\s+(?:my\s+)?[\w\s.\-'’]{1,60}|"
    r"get\s+outlook\s+for\s+\w+|"
    r"from\s+my\s+(?:iphone|ipad|android|mobile|samsung|galaxy|blackberry|htc|sony|nokia)"
    r"[\w\s.-]{0,30}|"
    r"envoyé\s+(?:de|depuis)\s+(?:mon|ma)\s+[\w\s.-]{1,40}|"
    # Outlook mobile's localised footers: "Envoyé à partir de Outlook pour iOS".
    r"envoyé\s+à\s+partir\s+de\s+[\w\s.-]{1,40}|"
    r"(?:obtenir|télécharger)\s+outlook\s+pour\s+\w+|"
    r"von\s+outlook\s+für\s+\w+\s+gesendet|outlook\s+für\s+\w+\s+beziehen|"
    r"enviado\s+desde\s+outlook\s+para\s+\w+|"
    r"von\s+meinem\s+[\w\s.-]{1,40}\s+gesendet|"
    r"gesendet\s+von\s+(?:meinem\s+)?[\w\s.-]{1,40}|"
    r"diese\s+nachricht\s+wurde\s+von\s+meinem\s+[\w\s.-]{1,60}\s+gesendet\.?|"
    r"enviado\s+(?:desde|de)\s+(?:mi|meu)\s+[\w\s.-]{1,40}|"
    r"inviato\s+da\s+(?:iphone|ipad|android|[\w.-]+\s+[\w.-]+)|"
    r"verzonden\s+(?:vanaf|met|van)\s+(?:mijn\s+)?[\w\s.-]{1,40}|"
    r"skickat\s+från\s+min\s+[\w\s.-]{1,40}|sendt\s+fra\s+min\s+[\w\s.-]{1,40}|"
    r"wysłane\s+z\s+(?:mojego\s+)?[\w\s.-]{1,40}|"
    r"отправлено\s+с\s+[\w\s.-]{1,40}|"
    r"[\w\s.-]{1,30}から送信|"
    r"(?:내\s+)?[\w\s.-]{1,30}에서\s*(?:보냄|전송)|"
    r"從我的\s*[\w\s.-]{1,30}傳送|发自我的\s*[\w\s.-]{1,30}|"
    r"sent\s+by\s+\w+|someone\s+from\s+mobile"
    r")\s*(?:<[^<>\s]{1,300}>)?\s*[>)\]]*\s*[.!]?\s*$",
    re.IGNORECASE,
)
# "Sent from my desk, is much easier …": a real sentence, not a sign-off.
_SENTENCE_AFTER_SIGNOFF = re.compile(r"[,;]\s*\w+\s+\w+\s+\w+")


def quoted(line: str) -> bool:
    return line.lstrip().startswith(_QUOTE_MARKS)


def _joined(lines: list[str], index: int, count: int) -> str:
    return " ".join(line.strip()[:_HEAD] for line in lines[index : index + count])


def _reads_as_wrote_header(text: str) -> bool:
    """Whether one header candidate (its lines joined) is an "On … wrote:" style header."""
    dashed = text.startswith("--")
    text = text.strip("- ")
    if _NUMERIC_DATE_HEADER.match(text):
        return True
    if len(text) > 3 * _HEAD:
        return False
    if _HEADER_START.match(text) and _ADDRESS_THEN_WROTE.search(text):
        return True
    if not (dashed or _ENDS_COLON.search(text)):
        return False
    if not _HAS_DATE_OR_ADDRESS.search(text):
        return False
    if _CJK_DATE_HEADER.match(text):
        return True
    if (
        len(text) <= _DATE_ADDRESS_MAX_CHARS
        and _ADDRESS_COLON_END.search(text)
        and _CLOCK_TIME.search(text)
    ):
        return True
    if _WROTE_END.search(text) and (_HEADER_START.match(text) or "@" in text):
        return True
    if _WROTE_ANY.search(text) and "@" in text and _ENDS_COLON.search(text):
        return True
    return bool(
        _WROTE_ANY.search(text) and _HEADER_START.match(text) and text.rstrip()[-2:-1] in ">)"
    )


def _continues_header(line: str) -> bool:
    """A second or third line of a wrapped header: not blank, not a quote.

    Gmail wraps a long address so that its closing ">:" (or "> wrote:") lands on a line of
    its own; that line ends the header, it is not a quote.
    """
    stripped = line.strip()
    if not stripped:
        return False
    return not stripped.startswith(_QUOTE_MARKS) or bool(_WRAPPED_ADDRESS_END.match(stripped))


def is_wrote_header(lines: list[str], index: int) -> int:
    """Number of lines (1-3) of an "On … wrote:" style header starting at index, or 0."""
    first = lines[index].strip()
    if not first or first.startswith(_QUOTE_MARKS):
        return 0
    for count in (1, 2, 3):
        if index + count > len(lines):
            break
        if count > 1 and not _continues_header(lines[index + count - 1]):
            break
        if not _reads_as_wrote_header(_joined(lines, index, count)):
            continue
        # A line of text directly above a header is not part of it: unless the first line
        # opens like a header ("On …", a date), the header must not already start lower.
        if count > 1 and not (_HEADER_START.match(first) or _CJK_DATE_HEADER.match(first)):
            later = range(1, count)
            if any(_reads_as_wrote_header(_joined(lines, index + k, count - k)) for k in later):
                return 0
        return count
    return 0


def is_header_block(lines: list[str], index: int) -> bool:
    """An Outlook-style "From: / Sent: / To: / Subject:" block starting at index."""
    if not _FROM_LINE.match(lines[index][:_HEAD]):
        # Some clients put Date or Sent first; accept a block of three header lines.
        if not _OTHER_LINE.match(lines[index][:_HEAD]):
            return False
        window = [line for line in lines[index : index + 6] if line.strip()]
        keyed = [line for line in window[:4] if _OTHER_LINE.match(line[:_HEAD])]
        return len(keyed) >= 3 and any(_FROM_LINE.match(line[:_HEAD]) for line in keyed)
    window = [line for line in lines[index + 1 : index + 8] if line.strip()]
    keyed = [line for line in window[:4] if _OTHER_LINE.match(line[:_HEAD])]
    return len(keyed) >= 1 and (len(keyed) >= 2 or len(window) <= 1 or bool(keyed))


def is_history_marker(line: str) -> bool:
    """An "-----Original Message-----" separator or a "Begin forwarded message:" line."""
    head = line[:_HEAD]
    return bool(_SEPARATOR.match(head) or _FORWARD_INTRO.match(head))


def is_delimiter(line: str) -> bool:
    """A line made only of a rule ("____", "***"…), as Outlook and signatures use."""
    return bool(_DELIMITER.match(line[:_HEAD]))


def is_signature_line(line: str) -> bool:
    """A line that starts the signature: "-- ", a rule, or a mobile sign-off."""
    head = line[:_HEAD]
    if _SIG_DASHES.match(head) or _DELIMITER.match(head):
        return True
    return (
        len(head.strip()) <= 90
        and bool(_MOBILE_SIGNATURE.match(head))
        and not _SENTENCE_AFTER_SIGNOFF.search(head)
    )
