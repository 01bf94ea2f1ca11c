"""Workers: registration, heartbeats, and what happens to the sends of a worker that died."""

from __future__ import annotations

import os
import socket
import uuid
from datetime import datetime, timedelta

from sqlalchemy import update
from sqlmodel import Session, col, select

from outreach.adapters.models import Creator, Message, MessageState, Worker
from outreach.services.history import record_event


def register_worker(session: Session, now: datetime) -> str:
    """Add this process to the workers table and return its id."""
    worker = Worker(
        id=f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}",
        hostname=socket.gethostname(),
        pid=os.getpid(),
        started_at=now,
        heartbeat_at=now,
    )
    session.add(worker)
    session.commit()
    return worker.id


def heartbeat(session: Session, worker_id: str, now: datetime) -> None:
    """Say this worker is alive (the caller commits: housekeeping does with its reaping)."""
    session.exec(update(Worker).where(col(Worker.id) == worker_id).values(heartbeat_at=now))


def stop_worker(session: Session, worker_id: str, now: datetime) -> None:
    """Mark a clean exit; anything still leased by it cannot have been sent in full."""
    worker = session.get(Worker, worker_id)
    if worker is not None:
        worker.stopped_at = now
        session.add(worker)
    _mark_unknown(session, [worker_id], now, "the worker stopped while sending")
    session.commit()


def reap_dead_workers(session: Session, now: datetime, dead_after_seconds: float) -> int:
    """Find workers that died; their in-flight sends become "unknown" for a person to settle.

    A worker on this host whose process is gone is dead at once (a restart notices its
    predecessor immediately); others are dead when their heartbeat is older than the limit.
    """
    silent_since = now - timedelta(seconds=dead_after_seconds)
    dead = [
        worker
        for worker in session.exec(select(Worker).where(col(Worker.stopped_at).is_(None)))
        if worker.heartbeat_at < silent_since or _gone_from_this_host(worker)
    ]
    for worker in dead:
        worker.stopped_at = now
        session.add(worker)
    count = _mark_unknown(session, [w.id for w in dead], now, "its worker died while sending")
    count += _expired_one_off_sends(session, now)
    session.commit()
    return count


def live_workers(session: Session, now: datetime, dead_after_seconds: float) -> list[Worker]:
    """Workers with a recent heartbeat and no recorded stop."""
    silent_since = now - timedelta(seconds=dead_after_seconds)
    statement = select(Worker).where(
        col(Worker.stopped_at).is_(None), col(Worker.heartbeat_at) >= silent_since
    )
    return [worker for worker in session.exec(statement) if not _gone_from_this_host(worker)]


def _gone_from_this_host(worker: Worker) -> bool:
    if worker.hostname != socket.gethostname() or worker.pid == os.getpid():
        return False
    try:
        os.kill(worker.pid, 0)  # signal 0 only asks whether the process exists
    except ProcessLookupError:
        return True
    except PermissionError:
        return False  # it exists, under another user
    # A reused pid keeps a dead worker "alive" here; its silent heartbeat still gives it away.
    return False


def _mark_unknown(session: Session, worker_ids: list[str], now: datetime, why: str) -> int:
    if not worker_ids:
        return 0
    statement = select(Message).where(
        Message.state == MessageState.SENDING.value, col(Message.lease_owner).in_(worker_ids)
    )
    return _to_unknown(session, list(session.exec(statement)), now, why)


def _expired_one_off_sends(session: Session, now: datetime) -> int:
    statement = select(Message).where(
        Message.state == MessageState.SENDING.value,
        col(Message.lease_owner).startswith("send:"),
        col(Message.lease_expires_at) < now,
    )
    return _to_unknown(session, list(session.exec(statement)), now, "`outreach send` stopped")


def _to_unknown(session: Session, messages: list[Message], now: datetime, why: str) -> int:
    for message in messages:
        # Never resent automatically: the server may have accepted it before the crash.
        message.state = MessageState.UNKNOWN.value
        message.last_error = f"delivery unknown: {why}; settle with `outreach outbox resolve`"
        session.add(message)
        creator = session.get(Creator, message.creator_id)
        assert creator is not None
        record_event(session, creator, "delivery_unknown",
                     f"{message.template!r} to {message.to_address}: {why}", now,
                     message_id=message.id)  # fmt: skip
    return len(messages)
