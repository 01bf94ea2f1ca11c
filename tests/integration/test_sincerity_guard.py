"""The sincerity guard over a real database: answers kept while no note changes."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlmodel import Session

from outreach.adapters.database import create_schema, make_engine
from outreach.adapters.models import Creator
from outreach.services import sincerity_guard
from outreach.services.sincerity_guard import note_problem

NOW = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
NOTE = "Your rice bran serum review last week was the most honest one I have read this year"


def _creator(number: int, note: str) -> Creator:
    return Creator(handle=f"c{number}", email=f"c{number}@example.com", niches=["skincare"],
                   personal_note=note, created_at=NOW, updated_at=NOW)  # fmt: skip


def test_an_unchanged_note_is_judged_once_and_a_changed_one_again(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'guard.db'}")
    create_schema(engine)
    judged: list[str] = []
    judge_one = sincerity_guard.judge_one

    def counting(subject: sincerity_guard.NoteSubject, index: sincerity_guard.NoteIndex) -> object:
        judged.append(subject.handle)
        return judge_one(subject, index)

    monkeypatch.setattr(sincerity_guard, "judge_one", counting)
    with Session(engine, expire_on_commit=False) as session:
        first, copy = _creator(1, NOTE), _creator(2, NOTE.replace("honest", "honest, truly"))
        session.add_all([first, copy])
        session.commit()
        # Planning asks, then sending asks again about the same first touch.
        problem = note_problem(session, copy, "Rice Bran Serum")
        assert problem is not None and "@c1" in problem
        assert note_problem(session, copy, "Rice Bran Serum") == problem
        assert judged == ["c2"]
        # A person rewrites the copied note: the next question is judged anew.
        copy.personal_note = "Your travel skincare reel from Jeju showed the serum on a ferry"
        copy.updated_at = NOW + timedelta(minutes=5)
        session.add(copy)
        session.commit()
        assert note_problem(session, copy, "Rice Bran Serum") is None
        assert judged == ["c2", "c2"]
