"""Every sample template, rendered for the sample creators, scores at most 1.0 with SpamAssassin.

The real program (Debian's `spamassassin`, installed by the test run when missing), with
local tests only (`-L`: no network lookups), reading all the messages in one run.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from datetime import UTC, datetime
from pathlib import Path

from sqlmodel import select

from outreach.adapters.campaign_files import find_campaign
from outreach.adapters.models import Creator
from outreach.bootstrap import bootstrap
from outreach.core.threads import Thread
from outreach.services.composing import compose
from outreach.services.importing import import_creators
from tests.server_tools import apt_install, installed_or, tail

MAX_SCORE = 1.0
NOW = datetime(2026, 12, 8, 1, 30, tzinfo=UTC)
_STATUS = re.compile(r"^X-Spam-Status: \w+, score=(-?\d+(?:\.\d+)?)", re.MULTILINE)


def spamassassin() -> str:
    """The spamassassin program, installed first when missing (root, apt-get)."""

    def install() -> str:
        found = shutil.which("spamassassin")
        if found:
            return found
        code, output = apt_install("spamassassin", without_starting=True)
        found = shutil.which("spamassassin")
        if code != 0 or not found:
            raise RuntimeError(f"installing spamassassin failed (exit {code}):\n{tail(output)}")
        return found

    return installed_or(lambda: shutil.which("spamassassin"), install)


def test_every_sample_template_for_every_sample_creator_scores_at_most_1(
    workspace: Path, tmp_path: Path
) -> None:
    environ = {"OUTREACH_FROM": "Luna at Glowlab <luna@glowlab.example>",
               "OUTREACH_POSTAL_ADDRESS": "1-2-3 Jingumae, Tokyo"}  # fmt: skip
    app = bootstrap(workspace, environ=environ)
    with app.session() as session:
        import_creators(session, workspace / "contacts" / "creators.csv", NOW)
        creators = list(session.exec(select(Creator)))
    spec = find_campaign(app.schedules, "spring-serum")
    labels: dict[str, str] = {}  # by Message-ID: the output's order is not the input's
    mbox: list[str] = []
    for creator in creators:
        language = creator.language or spec.language
        note = creator.personal_note or "Your posts on rice bran."
        opening = compose(app.settings, app.templates, creator, "proposal", spec, NOW,
                          personal_note=note)  # fmt: skip
        for path in sorted((workspace / "templates" / "messages" / language).glob("*.txt")):
            # Every later message answers the proposal's thread, as it does when sent.
            thread = None if path.stem == "proposal" else Thread(opening.subject, ())
            composed = compose(app.settings, app.templates, creator, path.stem, spec, NOW, thread,
                               personal_note=note)  # fmt: skip
            text = composed.wire_bytes().decode("ascii").replace("\r\n", "\n")
            mbox.append("From luna@glowlab.example Tue Dec  8 01:30:00 2026\n"
                        + re.sub(r"^From ", ">From ", text, flags=re.MULTILINE) + "\n")  # fmt: skip
            labels[composed.envelope.message_id] = f"{path.stem} ({language}) for @{creator.handle}"
    source = tmp_path / "all.mbox"
    source.write_text("".join(mbox), encoding="ascii")

    with source.open("rb") as messages:
        done = subprocess.run([spamassassin(), "-L", "-t", "--mbox"], stdin=messages,
                              capture_output=True, timeout=600)  # fmt: skip

    output = done.stdout.decode("utf-8", "replace")
    scores = {}
    for checked in re.split(r"(?m)^From luna@glowlab\.example ", output)[1:]:
        message_id = re.search(r"(?m)^Message-ID: (\S+)", checked)
        status = _STATUS.search(checked)
        assert message_id and status, checked[:2000]
        scores[labels[message_id.group(1)]] = float(status.group(1))
    assert len(scores) == len(labels) >= 30, done.stderr.decode("utf-8", "replace")[-2000:]
    report = "\n".join(f"{score:5.1f}  {label}" for label, score in sorted(scores.items()))
    print(f"\nSpamAssassin scores (-L):\n{report}")
    assert max(scores.values()) <= MAX_SCORE, report
