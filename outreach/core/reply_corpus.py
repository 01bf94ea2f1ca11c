"""The labelled reply corpus: parsed from its text files, and varied the way real replies vary.

Each written reply is kept as written and, once or twice more, wrapped in the greetings,
thanks and sign-offs creators put around whatever they say. Those words then appear under
every label, so the model learns that "thank you" or 감사합니다 says nothing about the answer.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

LABEL_HEADER = "## "

_WRAPPERS = {
    "en": (
        "Hi Luna,\n\n{}\n\nBest,\nSam",
        "Hey! {}",
        "{} Thanks!",
        "Hello,\n{}\nThank you for reaching out.",
        "{}\n\nSent from my iPhone",
        "Thanks for the message! {}",
        "hi {}",
        "{} xx",
        "Dear Luna, {} Kind regards, Jo",
        "{} 😊",
    ),
    "ja": (
        "ご連絡ありがとうございます。{}",
        "{}\nよろしくお願いいたします。",
        "はじめまして。{}",
        "Glowlab Luna様\n\nお世話になっております。\n{}\n\n佐藤",
        "{}😊",
        "メッセージありがとうございます！{}",
        "{}\n失礼いたします。",
        "こんにちは！{}",
        "{}\n\niPhoneから送信",
        "お声がけいただきありがとうございます。{}",
    ),
    "ko": (
        "안녕하세요! {}",
        "{} 감사합니다.",
        "연락 주셔서 감사합니다. {}",
        "Luna님 안녕하세요.\n\n{}\n\n김민지 드림",
        "{} 😊",
        "메일 잘 받았습니다. {}",
        "{}\n좋은 하루 보내세요!",
        "안녕하세요 {}",
        "{}\n\niPhone에서 보냄",
        "제안 주셔서 감사해요. {}",
    ),
}


@dataclass(frozen=True)
class Example:
    """One labelled reply."""

    language: str
    label: str
    text: str


def parse_corpus(text: str, language: str, labels: frozenset[str]) -> list[Example]:
    """The replies of one corpus file; a label outside `labels` is a ValueError naming the line."""
    examples, label = [], None
    for number, line in enumerate(text.splitlines(), start=1):
        if line.startswith(LABEL_HEADER):
            label = line[len(LABEL_HEADER) :].strip()
            if label not in labels:
                raise ValueError(f"line {number}: unknown label {label!r}")
            continue
        if not line.strip() or line.startswith("#"):
            continue
        if label is None:
            raise ValueError(f"line {number}: a reply before any '## label' line")
        examples.append(Example(language, label, line.replace("\\n", "\n")))
    return examples


def varied(examples: list[Example], copies: int = 2) -> list[Example]:
    """Every example as written, plus `copies` wrapped versions chosen by its text (stable)."""
    return list(examples) + [copy for example in examples for copy in variants(example, copies)]


def variants(example: Example, copies: int = 2) -> list[Example]:
    """The wrapped versions of one example that `varied` adds (none in a language without)."""
    wrappers = _WRAPPERS.get(example.language, ())
    if not wrappers:
        return []
    seed = int(hashlib.sha256(example.text.encode()).hexdigest()[:8], 16)
    return [
        Example(example.language, example.label, wrappers[(seed + copy * 7) % len(wrappers)]
                .format(example.text))
        for copy in range(copies)
    ]  # fmt: skip
