"""New-text extraction accuracy on the shared reply-parser corpora.

Run: .venv/bin/python -m bench.accuracy_new_text [--failures]
     [--impl outreach|mail-parser-reply|email-reply-parser]

For every file of ../shared/corpora whose upstream test states the new text exactly, compares
outreach.core.new_text.new_text (or a candidate library, for the evaluation) with that text after
whitespace normalisation (runs of whitespace become one space, ends stripped) and prints the
exact-match accuracy per corpus. mail_parser_reply mostly asserts "the latest reply contains X":
those files are counted as a separate "contains" check. Also times the two regex-DoS guards.

Gold set, per corpus (see /work/shared/corpora/INDEX.md):
  - discourse_email_reply_trimmer: emails/X.txt -> trimmed/X.txt (all 64 files);
  - github_email_reply_parser: the rows "parse_reply == ..." (visible text);
  - zapier_email_reply_parser: the three rows of EXPECTED.tsv;
  - crisp_email_reply_parser: "visible_text", else "first_fragment_trimmed" / "first_fragment"
    where the file has exactly one visible fragment upstream (a top-posted reply);
  - mail_parser_reply: rows "body == ..." exact; rows "contains ..." as contains checks; a
    trailing "------------------------------" line in two expectations is the Outlook separator,
    not written text, and is dropped (github's copy of the same mail expects it gone);
  - closeio_quotequail: the new text on top of the HTML replies and forwards (" / " = new line).
Prints figures; asserts nothing. Pure read-only use of the corpora.
"""

from __future__ import annotations

import argparse
import json
import re
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from outreach.core.new_text import new_text

CORPORA = Path(__file__).resolve().parents[2] / "shared" / "corpora"
if not CORPORA.is_dir():  # CI and sessions both use /work/shared/corpora
    CORPORA = Path("/work/shared/corpora")


@dataclass(frozen=True)
class Case:
    corpus: str
    file: str
    plain: str | None
    html: str | None
    expected: str
    mode: str = "exact"  # or "contains": every part of expected_parts is in the result
    parts: tuple[str, ...] = field(default=())


def normalise(text: str) -> str:
    return " ".join(text.split())


def _read(path: Path) -> str:
    return path.read_bytes().decode("utf-8", errors="replace")


def _tsv_rows(path: Path) -> list[list[str]]:
    rows = []
    for line in _read(path).splitlines():
        if line.startswith("#") or not line.strip():
            continue
        rows.append(line.split("\t"))
    return rows


def _quoted_strings(text: str) -> list[str]:
    return [json.loads(m) for m in re.findall(r'"(?:[^"\\]|\\.)*"', text)]


def discourse_cases() -> list[Case]:
    root = CORPORA / "discourse_email_reply_trimmer"
    cases = []
    for path in sorted((root / "emails").glob("*.txt")):
        expected = _read(root / "trimmed" / path.name)
        cases.append(Case("discourse_email_reply_trimmer", path.name, _read(path), None, expected))
    return cases


def _parse_reply_rows(corpus: str) -> list[Case]:
    root = CORPORA / corpus
    cases = []
    for row in _tsv_rows(root / "EXPECTED.tsv"):
        name, claim = row[0], row[1]
        match = re.match(r'(?:parse_reply|reply\.strip\(\)) == ("(?:[^"\\]|\\.)*")', claim)
        if match:
            expected = json.loads(match.group(1))
            plain = _read(root / "emails" / name)
            cases.append(Case(corpus, name, plain, None, expected))
    return cases


def github_cases() -> list[Case]:
    return _parse_reply_rows("github_email_reply_parser")


def zapier_cases() -> list[Case]:
    return _parse_reply_rows("zapier_email_reply_parser")


def crisp_cases() -> list[Case]:
    root = CORPORA / "crisp_email_reply_parser"
    expected_by_file = json.loads(_read(root / "EXPECTED.json"))
    cases = []
    for name, facts in sorted(expected_by_file.items()):
        expected = facts.get("visible_text")
        if expected is None:
            expected = facts.get("first_fragment_trimmed", facts.get("first_fragment"))
        if expected is None:
            continue
        plain = _read(root / "fixtures" / name)
        cases.append(Case("crisp_email_reply_parser", name, plain, None, expected))
    return cases


def mail_parser_reply_cases() -> list[Case]:
    root = CORPORA / "mail_parser_reply"
    cases = []
    for row in _tsv_rows(root / "EXPECTED.tsv"):
        name, claim = row[0], row[3] if len(row) > 3 else ""
        plain = _read(root / "emails" / name)
        exact = re.match(r'(?:latest )?body == ("(?:[^"\\]|\\.)*")', claim)
        if exact:
            expected = json.loads(exact.group(1))
            expected = re.sub(r"\n+-{10,}\s*$", "", expected)
            cases.append(Case("mail_parser_reply", name, plain, None, expected))
        elif "contains" in claim:
            head = claim.split(" and NOT ")[0]
            parts = tuple(_quoted_strings(head))
            cases.append(
                Case("mail_parser_reply", name, plain, None, "", mode="contains", parts=parts)
            )
    return cases


def quotequail_cases() -> list[Case]:
    root = CORPORA / "closeio_quotequail"
    cases = []
    for row in _tsv_rows(root / "EXPECTED.tsv"):
        name, top = row[0], row[4]
        if top.startswith("<see "):
            continue  # outlook_forward: the top is an HTML file, added below
        expected = "" if top.startswith("(none)") else top.replace(" / ", "\n")
        cases.append(Case("closeio_quotequail", name, None, _read(root / "files" / name), expected))
    top_file = root / "files" / "outlook_forward_unwrapped_top.html"
    if top_file.exists():
        top_text = new_text(None, _read(top_file))
        cases.append(
            Case(
                "closeio_quotequail",
                "outlook_forward.html",
                None,
                _read(root / "files" / "outlook_forward.html"),
                top_text,
            )
        )
    return cases


LOADERS: dict[str, Callable[[], list[Case]]] = {
    "discourse_email_reply_trimmer": discourse_cases,
    "github_email_reply_parser": github_cases,
    "zapier_email_reply_parser": zapier_cases,
    "crisp_email_reply_parser": crisp_cases,
    "mail_parser_reply": mail_parser_reply_cases,
    "closeio_quotequail": quotequail_cases,
}


def all_cases() -> list[Case]:
    return [case for load in LOADERS.values() for case in load()]


def passes(case: Case, result: str) -> bool:
    if case.mode == "contains":
        return all(normalise(part) in normalise(result) for part in case.parts)
    return normalise(result) == normalise(case.expected)


def score(impl: Callable[[str | None, str | None], str]) -> dict[str, tuple[int, int, list[str]]]:
    """Per corpus (and corpus + ' (contains)'): passed, total, failing files."""
    table: dict[str, tuple[int, int, list[str]]] = {}
    for case in all_cases():
        key = case.corpus if case.mode == "exact" else f"{case.corpus} (contains)"
        passed, total, failing = table.get(key, (0, 0, []))
        try:
            ok = passes(case, impl(case.plain, case.html))
        except Exception:  # a candidate library crashing counts as a miss
            ok = False
        table[key] = (passed + ok, total + 1, failing if ok else [*failing, case.file])
    return table


def _library(name: str) -> Callable[[str | None, str | None], str]:
    if name == "mail-parser-reply":
        from mailparser_reply import EmailReplyParser as MPR  # type: ignore[import-not-found]

        parser = MPR(languages=["en", "de", "fr", "nl", "it", "es", "pl", "sv", "da", "ja"])

        def run(plain: str | None, html: str | None) -> str:
            if plain is None:
                return ""  # plain text only
            return parser.parse_reply(plain) or ""

        return run
    if name == "email-reply-parser":
        from email_reply_parser import EmailReplyParser as ERP  # type: ignore[import-not-found]

        return lambda plain, html: ERP.parse_reply(plain or "")
    return new_text


def dos_timings() -> list[tuple[str, float]]:
    out = []
    for name in ("pathological.txt", "email_long_quote.txt"):
        path = CORPORA / "github_email_reply_parser" / "emails" / name
        if path.exists():
            text = _read(path)
            start = time.perf_counter()
            new_text(text, None)
            out.append((name, time.perf_counter() - start))
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--impl",
        default="outreach",
        choices=["outreach", "mail-parser-reply", "email-reply-parser"],
    )
    parser.add_argument("--failures", action="store_true", help="list the failing files")
    args = parser.parse_args()
    if not CORPORA.is_dir():
        raise SystemExit(f"corpora folder missing: {CORPORA}")
    impl = _library(args.impl)
    print(f"new-text extraction, implementation: {args.impl}")
    print(f"{'corpus':<42} {'exact':>7} {'accuracy':>9}")
    passed_all = total_all = 0
    for corpus, (passed, total, failing) in score(impl).items():
        passed_all += passed
        total_all += total
        print(f"{corpus:<42} {passed:>3}/{total:<3} {100 * passed / total:>8.1f}%")
        if args.failures and failing:
            print("    failing: " + ", ".join(failing))
    print(f"{'all':<42} {passed_all:>3}/{total_all:<3} {100 * passed_all / total_all:>8.1f}%")
    for name, seconds in dos_timings():
        print(f"regex-DoS guard {name}: {seconds * 1000:.1f} ms")


if __name__ == "__main__":
    main()
