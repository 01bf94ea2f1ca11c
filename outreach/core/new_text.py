"""What a person newly wrote in a reply: quoted history and signature removed.

``new_text(plain, html)`` takes the text/plain and text/html bodies of a reply (either may be
missing) and returns the text above the quoted history, without the signature. HTML is turned
into text with the standard library's tokenizer only (nothing is fetched, run or rendered);
``<blockquote>`` content becomes "> " lines so it is treated as a quote.

Rules (line by line, every regular expression bounded and free of nested repetition, so a
hostile message costs linear time):
- quote headers end the new text: "On … wrote:" and its localised forms, wrapped over up to
  three lines ("Am … schrieb …:", "Le … a écrit :", "2026年3月1日(日) 10:00 Luna <…>:",
  "2026년 3월 1일 (일) 오전 10:00, Luna <…>님이 작성:"…); Outlook header blocks ("From:/Sent:",
  "De :/Envoyé :", "Von:/Gesendet:", "Van:/Verzonden:", "Da:/Inviato:", "差出人:/送信日時:",
  "보낸 사람:/보낸 날짜:"…); "-----Original Message-----" separators and their translations;
  forwarded-message markers;
- a trailing block of "> " (or full-width "＞") quoted lines is dropped (inline answers
  between quotes are kept);
- signatures end the new text: a "-- " line, delimiter-only lines ("____", "***"…), and the
  mobile sign-offs ("Sent from my iPhone", "iPhoneから送信", "Galaxy에서 보냄"…).

No third-party reply parser is used: measured on the shared corpora (bench/accuracy_new_text.py),
these rules do better than mail-parser-reply and email-reply-parser, and cover Japanese and
Korean headers and HTML, which they do not.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser

__all__ = ["html_to_text", "new_text"]

# Far beyond any real reply text; the new text is at the top, so nothing useful is lost.
MAX_TEXT_CHARS = 300_000
MAX_HTML_CHARS = 2_000_000
# Lines longer than this are only looked at through their first part by the header rules.
_HEAD = 400
# Japanese carrier and Yahoo! JAPAN mail quote with the full-width "＞" (U+FF1E).
_QUOTE_MARKS = (">", "＞")

_WROTE = (
    r"wrote|writes|schrieb|schreibt|a\s+écrit|écrit|escribió|escreveu|ha\s+scritto|scrisse|"
    r"schreef|skrev|skriver|kirjoitti|napisał(?:\(a\))?|napisała|napsal(?:\(a\))?|"
    r"написал(?:\(а\))?|написала|yazdı|έγραψε|寫道|写道|のメール|님이\s*작성|작성"
)
# The "wrote" word at the end ("On …, Luna <l@x> wrote:") or before the name
# ("Am … schrieb Luna <l@x>:"); both forms end with a colon.
_WROTE_END = re.compile(rf"(?:{_WROTE})\s*[:：]?\s*$", re.IGNORECASE)
_WROTE_ANY = re.compile(rf"(?:^|[\s,])(?:{_WROTE})(?:\s|$|[:：])", re.IGNORECASE)
_ENDS_COLON = re.compile(r"[:：]\s*$")
_HAS_DATE_OR_ADDRESS = re.compile(r"\d|@")
_HEADER_START = re.compile(
    r"^\s*(?:on|am|le|el|il|op|em|w\s+dniu|dnia|den|d\.|på|pe|dne|в|στις|"
    r"\d{1,4}[\s./年년-]|\(?(?:mon|tue|wed|thu|fri|sat|sun|mån|tis|ons|tor|fre|lör|sön|man|"
    r"tir|ons|lun|mar|mer|jeu|ven|sam|dim|mo|di|mi|do|fr|sa|so)\b)",
    re.IGNORECASE,
)
# Date-first Gmail headers: "2026年3月1日(日) 10:00 Luna <…>:", "2026년 3월 1일 (일) …".
_CJK_DATE_HEADER = re.compile(r"^\s*\d{4}\s*[年년]\s*\d{1,2}\s*[月월]\s*\d{1,2}\s*[日일]")

_SEPARATOR_WORDS = (
    r"original\s+message|forwarded\s+message|ursprüngliche\s+nachricht|originalnachricht|"
    r"weitergeleitete\s+nachricht|message\s+d'origine|message\s+transféré|messaggio\s+originale|"
    r"messaggio\s+inoltrato|mensaje\s+original|mensaje\s+reenviado|mensagem\s+original|"
    r"oorspronkelijk\s+bericht|doorgestuurd\s+bericht|oprindelig\s+meddelelse|"
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


def _quoted(line: str) -> bool:
    return line.lstrip().startswith(_QUOTE_MARKS)


def _joined(lines: list[str], index: int, count: int) -> str:
    return " ".join(line.strip()[:_HEAD] for line in lines[index : index + count])


def _is_wrote_header(lines: list[str], index: int) -> int:
    """Number of lines (1-3) of an "On … wrote:" style header starting at index, or 0."""
    first = lines[index].strip()
    if not first or first.startswith(_QUOTE_MARKS):
        return 0
    for count in (1, 2, 3):
        if index + count > len(lines):
            break
        last = lines[index + count - 1].strip()
        if count > 1 and (not last or last.startswith(_QUOTE_MARKS)):
            break
        text = _joined(lines, index, count)
        dashed = text.startswith("--")
        text = text.strip("- ")
        if len(text) > 3 * _HEAD or not (dashed or _ENDS_COLON.search(text)):
            continue
        if not _HAS_DATE_OR_ADDRESS.search(text):
            continue
        if _CJK_DATE_HEADER.match(text):
            return count
        if _WROTE_END.search(text) and (_HEADER_START.match(text) or "@" in text):
            return count
        if _WROTE_ANY.search(text) and "@" in text and _ENDS_COLON.search(text):
            return count
        if _WROTE_ANY.search(text) and _HEADER_START.match(text) and text.rstrip()[-2:-1] in ">)":
            return count
    return 0


def _is_header_block(lines: list[str], index: int) -> bool:
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


def _quote_start(lines: list[str]) -> int:
    """Index of the first line of quoted history (or of a forwarded message), else len."""
    for index, line in enumerate(lines):
        stripped = line.strip()
        if not stripped:
            continue
        head = stripped[:_HEAD]
        if _SEPARATOR.match(head) or _FORWARD_INTRO.match(head):
            return index
        if _is_header_block(lines, index) or _is_wrote_header(lines, index):
            start = index
            # Outlook puts a rule above the header block: "________________".
            previous = start - 1
            while previous >= 0 and not lines[previous].strip():
                previous -= 1
            if previous >= 0 and _DELIMITER.match(lines[previous]):
                start = previous
            return start
    return len(lines)


def _signature_start(lines: list[str]) -> int:
    for index, line in enumerate(lines):
        head = line[:_HEAD]
        if _SIG_DASHES.match(head) or _DELIMITER.match(head):
            return index
        if (
            len(head.strip()) <= 90
            and _MOBILE_SIGNATURE.match(head)
            and not _SENTENCE_AFTER_SIGNOFF.search(head)
        ):
            return index
    return len(lines)


def _drop_trailing_quote(lines: list[str]) -> list[str]:
    end = len(lines)
    while end > 0 and (not lines[end - 1].strip() or _quoted(lines[end - 1])):
        end -= 1
    if end == 0:  # only a quote: keep it rather than return nothing
        return lines
    return lines[:end]


def _strip_blank_edges(lines: list[str]) -> list[str]:
    start, end = 0, len(lines)
    while start < end and not lines[start].strip():
        start += 1
    while end > start and not lines[end - 1].strip():
        end -= 1
    return [line.rstrip() for line in lines[start:end]]


def _after_leading_quote(lines: list[str]) -> list[str]:
    """Lines after a quote that opens the message (a bottom-posted reply or a forward)."""
    index = 0
    while index < len(lines) and not lines[index].strip():
        index += 1
    if index < len(lines) and (
        _SEPARATOR.match(lines[index][:_HEAD]) or _FORWARD_INTRO.match(lines[index][:_HEAD])
    ):
        index += 1
    header = _is_wrote_header(lines, index) if index < len(lines) else 0
    if header:
        index += header
    else:  # a header block: up to the first blank line
        while index < len(lines) and lines[index].strip():
            index += 1
    while index < len(lines) and (not lines[index].strip() or _quoted(lines[index])):
        index += 1
    return lines[index:]


def _plain_new_text(text: str, bottom_posting: bool = True) -> str:
    text = text[:MAX_TEXT_CHARS].replace("\r\n", "\n").replace("\r", "\n")
    text = text.replace("\u00a0", " ").replace("\ufeff", "")
    lines = text.split("\n")
    for _ in range(2 if bottom_posting else 0):
        start = _quote_start(lines)
        if start >= len(lines) or any(line.strip() for line in lines[:start]):
            break
        rest = _after_leading_quote(lines)
        if not any(line.strip() for line in rest):
            break
        lines = rest
    lines = lines[: _quote_start(lines)]
    lines = lines[: _signature_start(lines)]
    lines = _drop_trailing_quote(lines)
    return "\n".join(_strip_blank_edges(lines))


_BLOCK_TAGS = frozenset(
    [
        "address",
        "article",
        "aside",
        "blockquote",
        "body",
        "center",
        "dd",
        "div",
        "dl",
        "dt",
        "fieldset",
        "figure",
        "footer",
        "form",
        "h1",
        "h2",
        "h3",
        "h4",
        "h5",
        "h6",
        "header",
        "hr",
        "html",
        "li",
        "main",
        "nav",
        "ol",
        "p",
        "pre",
        "section",
        "table",
        "tbody",
        "td",
        "tfoot",
        "th",
        "thead",
        "tr",
        "ul",
    ]
)
_SKIP_TAGS = frozenset(
    ["head", "script", "style", "template", "title", "noscript", "object", "iframe", "svg"]
)
# Containers that clients wrap quoted history in; everything from there on is history.
_QUOTE_CONTAINERS = ("gmail_quote", "yahoo_quoted", "moz-cite-prefix", "protonmail_quote")
_QUOTE_IDS = ("divrplyfwdmsg", "appendonsend", "mail-editor-reference-message-container")


class _TextExtractor(HTMLParser):
    """Text of an HTML body; quote containers stop it, blockquotes become "> " lines."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.lines: list[str] = []
        self.current: list[str] = []
        self.skip_depth = 0
        self.quote_depth = 0
        self.pre_depth = 0
        self.stopped = False

    def _flush(self) -> None:
        text = "".join(self.current)
        if not self.pre_depth:
            text = " ".join(text.split())
        prefix = "> " * self.quote_depth
        self.lines.append(prefix + text if text or prefix else "")
        self.current = []

    def _break(self) -> None:
        if self.current:
            self._flush()
        elif self.lines and self.lines[-1] != "":
            self.lines.append("")

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if self.stopped:
            return
        if tag in _SKIP_TAGS:
            self.skip_depth += 1
            return
        found = dict(attrs)
        classes = (found.get("class") or "").lower()
        ident = (found.get("id") or "").lower()
        if any(name in classes for name in _QUOTE_CONTAINERS) or ident in _QUOTE_IDS:
            if "moz-cite-prefix" in classes or "gmail_quote" in classes:
                # The container starts with the "On … wrote:" line: let the text rules see it.
                self._break()
                self.current.append("\n")
            self._break()
            self.stopped = True
            return
        if tag == "br":
            self._flush()
        elif tag in _BLOCK_TAGS:
            self._break()
            if tag == "blockquote":
                self.quote_depth += 1
            elif tag == "pre":
                self.pre_depth += 1
            elif tag == "hr":
                self.lines.append("________________________________")
            elif tag in ("td", "th"):
                pass

    def handle_endtag(self, tag: str) -> None:
        if self.stopped:
            return
        if tag in _SKIP_TAGS:
            self.skip_depth = max(0, self.skip_depth - 1)
            return
        if tag in _BLOCK_TAGS:
            self._break()
            if tag == "blockquote":
                self.quote_depth = max(0, self.quote_depth - 1)
            elif tag == "pre":
                self.pre_depth = max(0, self.pre_depth - 1)

    def handle_data(self, data: str) -> None:
        if not self.stopped and not self.skip_depth:
            self.current.append(data)

    def text(self) -> str:
        if self.current:
            self._flush()
        return "\n".join(self.lines)


def html_to_text(html: str) -> str:
    """Visible text of an HTML body, without fetching or running anything in it."""
    parser = _TextExtractor()
    try:
        parser.feed(html[:MAX_HTML_CHARS])
        parser.close()
    except Exception:  # a malformed body gives what was read so far
        pass
    return parser.text()


def new_text(plain: str | None, html: str | None) -> str:
    """What the sender newly wrote: no quoted history, no signature; "" when nothing."""
    if plain and plain.strip():
        return _plain_new_text(plain)
    if html and html.strip():
        return _plain_new_text(html_to_text(html), bottom_posting=False)
    return ""
