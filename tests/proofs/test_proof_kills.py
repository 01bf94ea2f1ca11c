"""Proof: a daemon killed with SIGKILL again and again never sends twice and loses nothing.

One `outreach run` process sends a campaign of 300 to a real SMTP sink that holds every DATA
a little (so kills land mid-send); the test kills it with SIGKILL at seeded random moments,
restarts it each time, and finally runs `outreach run --once` until nothing is due.
"""

from __future__ import annotations

import random
import time
from functools import partial
from pathlib import Path
from subprocess import Popen

import pytest

from tests.proofs.helpers import (
    ChaosSmtpServer,
    Outbox,
    cli,
    daemons,
    duplicates,
    message_ids,
    outreach_env,
    recipients,
    set_up_campaign,
    smtp_settings,
    sqlite_url,
    wait_until,
)

MESSAGES = 300
DATA_DELAY_SECONDS = 0.04
DEAD_WORKER_SECONDS = 45  # the heartbeat limit: a restart on the same host must not wait it
NOTICE_LIMIT_SECONDS = 15


@pytest.mark.parametrize(("backend", "seed"), [("postgresql", 20260501), ("sqlite", 20260502)])
def test_slow_sigkill_at_random_moments_no_duplicate_nothing_lost(
    backend: str, seed: int, workspace: Path, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    url = request.getfixturevalue("postgres_url") if backend == "postgresql" else None
    rng = random.Random(seed)
    kills = rng.randint(5, 8)
    with ChaosSmtpServer() as server:
        server.data_delay = DATA_DELAY_SECONDS
        env = outreach_env(**smtp_settings(server, url))
        set_up_campaign(workspace, env, MESSAGES)
        outbox = Outbox(url or sqlite_url(workspace))
        held_at_death: list[list[int]] = []
        notice_times: list[float] = []
        try:
            with daemons(workspace, env, tmp_path / "logs") as group:
                for _ in range(kills):
                    restarted_at = time.monotonic()
                    process = group.start()
                    if held_at_death and held_at_death[-1]:
                        # The restarted worker notices its dead predecessor (same host, pid
                        # gone) at once: what it held is `unknown` long before the 45 s limit.
                        held = held_at_death[-1]
                        wait_until(
                            partial(_all_unknown, outbox, held),
                            NOTICE_LIMIT_SECONDS,
                            f"messages {held} of the killed worker to become unknown",
                            0.05,
                        )
                        notice_times.append(time.monotonic() - restarted_at)
                    base = len(server.messages)

                    def sending(process: Popen[bytes] = process, base: int = base) -> bool:
                        assert process.poll() is None, group.log_of(process)
                        return len(server.messages) > base

                    wait_until(sending, 30, f"daemon {process.pid} to send something")
                    time.sleep(rng.uniform(0.0, 0.8))
                    group.kill9(process)
                    held_at_death.append(outbox.sending_of_pid(process.pid))
            # Finally: run until nothing is due. The delay only made kills land mid-send;
            # the rest need not wait on it.
            server.data_delay = 0
            cli(workspace, env, "run", "--once")

            rows = outbox.messages()
            states = outbox.states()
            by_id = {row.id: row for row in rows}
            received = message_ids(server)
            # Nothing lost: one message per creator, each sent, failed with a reason, or unknown.
            assert len(rows) == MESSAGES
            assert len({row.to_address for row in rows}) == MESSAGES
            assert set(states) <= {"sent", "failed", "unknown"}, states
            assert all(row.last_error for row in rows if row.state in ("failed", "unknown"))
            # No duplicate at the sink, by Message-ID and by recipient.
            assert duplicates(received) == {}
            assert duplicates(recipients(server)) == {}
            # Every `sent` was received exactly once; nothing received is queued or failed.
            sent = {row.message_id for row in rows if row.state == "sent"}
            unknown = {row.message_id for row in rows if row.state == "unknown"}
            assert sent <= set(received)
            assert set(received) <= sent | unknown
            # Unknowns are exactly the messages killed workers held: never more than the kills,
            # and the ones the server did take were taken once and not resent.
            dead_held = [message_id for held in held_at_death for message_id in held]
            diagnosis = _diagnosis(outbox, held_at_death)
            assert len(unknown) <= kills, diagnosis
            extra = [
                (row.id, row.last_error, row.smtp_response)
                for row in rows
                if row.state == "unknown" and row.id not in dead_held
            ]
            assert extra == [], diagnosis
            assert sorted(by_id[i].message_id for i in dead_held) == sorted(unknown)
            assert any(held_at_death), "no kill landed mid-send: the proof proved nothing"
            assert max(notice_times, default=0) < DEAD_WORKER_SECONDS
            print(
                f"\n{backend}: {kills} kills, states {dict(states)}, unknown received "
                f"{len(unknown & set(received))}/{len(unknown)}, noticed in "
                f"{', '.join(f'{t:.1f}s' for t in notice_times)}"
            )
        finally:
            outbox.close()


def _all_unknown(outbox: Outbox, ids: list[int]) -> bool:
    if not ids:
        return True
    rows = outbox.rows("SELECT id, state FROM messages")
    states = {message_id: state for message_id, state in rows}
    return all(states[i] == "unknown" for i in ids)


def _diagnosis(outbox: Outbox, held_at_death: list[list[int]]) -> str:
    """What a person needs to see when the unknowns do not match the kills."""
    lines = [f"held by each killed worker: {held_at_death}"]
    for row in outbox.rows("SELECT id, attempts, last_error FROM messages WHERE state = 'unknown'"):
        lines.append(f"unknown {row.id} (attempts {row.attempts}): {row.last_error}")
        events = outbox.rows(
            "SELECT at, kind, summary FROM events WHERE message_id = :id ORDER BY id", id=row.id
        )
        lines.extend(f"    {e.at} {e.kind}: {e.summary}" for e in events)
    return "\n".join(lines)
