"""Split a message template file into its subject, text body and optional HTML body."""

from __future__ import annotations

import re
from dataclasses import dataclass

HTML_SEPARATOR = "--- html ---"
_HEADER = re.compile(r"^([A-Za-z][A-Za-z0-9-]*):[ \t]?(.*)$")
ALLOWED_HEADERS = ("subject",)


class TemplateFormatError(ValueError):
    """A template file does not follow the 'Subject:, blank line, body' layout."""

    def __init__(self, line: int, reason: str) -> None:
        self.line = line
        self.reason = reason
        super().__init__(f"line {line}: {reason}")


@dataclass(frozen=True)
class TemplatePart:
    """One part's Jinja2 source, padded so Jinja2's line numbers match the file's."""

    source: str
    first_line: int

    def padded(self) -> str:
        """The source behind a Jinja2 comment holding enough newlines to keep line numbers."""
        return "{#" + "\n" * (self.first_line - 1) + "#}" + self.source


@dataclass(frozen=True)
class TemplateSource:
    """The parts of one template file."""

    subject: TemplatePart | None  # None: a follow-up, sent as "Re:" + the thread's subject
    text: TemplatePart
    html: TemplatePart | None


def split_template(content: str) -> TemplateSource:
    """Parse 'Subject: ...', a blank line, the text body, and optionally '--- html ---' + HTML.

    A follow-up may leave out the Subject line: the file is then all body, and the message
    goes out as a reply in the thread of the first one.
    """
    lines = content.replace("\r\n", "\n").split("\n")
    if not _HEADER.match(lines[0]):
        _refuse_stray_subject(lines)
        return _split_body(None, lines, 0)
    subject: TemplatePart | None = None
    index = 0
    while index < len(lines) and lines[index].strip():
        match = _HEADER.match(lines[index])
        if not match:
            raise TemplateFormatError(
                index + 1, "a template starts with 'Subject: ...', then a blank line, then the body"
            )
        name, value = match.group(1).lower(), match.group(2)
        if name not in ALLOWED_HEADERS:
            raise TemplateFormatError(index + 1, f"unknown header {match.group(1)!r}; only Subject")
        if subject is not None:
            raise TemplateFormatError(index + 1, "Subject is given twice")
        subject = TemplatePart(value.strip(), index + 1)
        index += 1
    if subject is None:
        raise TemplateFormatError(1, "the template has no 'Subject:' line at the top")
    if not subject.source:
        raise TemplateFormatError(subject.first_line, "the Subject is empty")
    return _split_body(subject, lines, index + 1)


def _refuse_stray_subject(lines: list[str]) -> None:
    first = next((i for i, line in enumerate(lines) if line.strip()), None)
    if first is not None and lines[first].lower().startswith("subject:"):
        raise TemplateFormatError(first + 1, "the Subject line must be the very first line")


def _split_body(subject: TemplatePart | None, lines: list[str], body_start: int) -> TemplateSource:
    separator = next(
        (i for i in range(body_start, len(lines)) if lines[i].strip() == HTML_SEPARATOR), None
    )
    text_end = separator if separator is not None else len(lines)
    text = TemplatePart("\n".join(lines[body_start:text_end]), body_start + 1)
    if not text.source.strip():
        raise TemplateFormatError(body_start + 1, "the message body is empty")
    html = None
    if separator is not None:
        html = TemplatePart("\n".join(lines[separator + 1 :]), separator + 2)
        if not html.source.strip():
            raise TemplateFormatError(separator + 1, "the HTML part after '--- html ---' is empty")
    return TemplateSource(subject=subject, text=text, html=html)
