"""Planning stores each step once per enrolment: twice, interleaved, or after a restart."""

from __future__ import annotations

import threading
from collections import Counter
from pathlib import Path

from outreach.adapters.campaign_files import load_all_campaigns
from outreach.services.app import App
from outreach.services.planning import PlanReport, plan_due
from tests.campaign_helpers import (
    MONDAY,
    add_creator,
    enroll_in,
    make_app,
    messages,
    run_once,
    write_campaign,
)

CREATORS = 12


def steps_stored(app: App) -> Counter[tuple[int | None, int | None]]:
    return Counter((m.enrollment_id, m.step) for m in messages(app))


def test_planning_twice_stores_each_step_once(workspace: Path, database_url: str) -> None:
    app = make_app(workspace, database_url)
    spec = write_campaign(workspace, "serum")
    for number in range(CREATORS):
        add_creator(app, f"creator{number:02}")
    enroll_in(app, spec, MONDAY)
    specs = load_all_campaigns(app.schedules)

    first = plan_due(app, specs, MONDAY)
    second = plan_due(app, specs, MONDAY)

    assert (first.planned, second.planned) == (CREATORS, 0)
    stored = steps_stored(app)
    assert len(stored) == CREATORS
    assert set(stored.values()) == {1}
    assert {step for _, step in stored} == {1}


def test_two_planners_at_once_store_each_step_once(workspace: Path, database_url: str) -> None:
    app = make_app(workspace, database_url)
    spec = write_campaign(workspace, "serum")
    for number in range(CREATORS):
        add_creator(app, f"creator{number:02}")
    enroll_in(app, spec, MONDAY)
    specs = load_all_campaigns(app.schedules)
    start = threading.Barrier(2)
    reports: list[PlanReport] = []
    errors: list[BaseException] = []

    def planner() -> None:
        try:
            start.wait(timeout=10)
            reports.append(plan_due(app, specs, MONDAY))
        except BaseException as exc:  # surfaced below: a thread's error must fail the test
            errors.append(exc)

    threads = [threading.Thread(target=planner) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert errors == []
    assert sum(report.planned for report in reports) == CREATORS
    stored = steps_stored(app)
    assert len(stored) == CREATORS
    assert set(stored.values()) == {1}


def test_a_restarted_daemon_plans_nothing_new(workspace: Path, database_url: str) -> None:
    app = make_app(workspace, database_url)
    spec = write_campaign(workspace, "serum", window={"start": "10:00", "end": "18:00"})
    for number in range(3):
        add_creator(app, f"creator{number:02}", timezone="Asia/Tokyo")
    enroll_in(app, spec, MONDAY)
    # 00:00 UTC is 09:00 in Tokyo: the proposals are planned for 10:00 and wait queued.
    first = run_once(app, MONDAY)
    before = [(m.id, m.state, m.scheduled_at) for m in messages(app)]

    again = run_once(app, MONDAY)

    assert (first.planned, again.planned) == (3, 0)
    assert [m[1] for m in before] == ["queued"] * 3
    assert [(m.id, m.state, m.scheduled_at) for m in messages(app)] == before
