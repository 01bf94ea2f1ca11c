"""Workers: registration, heartbeats, and what happens to the sends of a worker that died."""

from __future__ import annotations

import os
import socket
import uuid
from collections.abc import Sequence
from datetime import datetime, timedelta

from sqlalchemy import bindparam, insert, or_, update
from sqlmodel import Session, col, select

from outreach.adapters.models import Creator, Message, MessageState, Worker, table_of
from outreach.constants import ONE_OFF_LEASE_PREFIX
from outreach.services.history import record_event

# Core statements built once: the daemon runs them at every tick (and `run --once` at every
# start and stop), where the ORM spent more on each than the database did.
_WORKERS = table_of(Worker)
_REGISTER = insert(_WORKERS)
_HEARTBEAT = (
    update(_WORKERS)
    .where(_WORKERS.c.id == bindparam("worker"))
    .values(heartbeat_at=bindparam("now"))
)
_STOP = (
    update(_WORKERS)
    .where(_WORKERS.c.id.in_(bindparam("workers", expanding=True)))
    .values(stopped_at=bindparam("now"))
)
_RUNNING = select(_WORKERS.c.id, _WORKERS.c.hostname, _WORKERS.c.pid,
                  _WORKERS.c.heartbeat_at).where(_WORKERS.c.stopped_at.is_(None))  # fmt: skip
_MESSAGES = table_of(Message)
_SENDING = _MESSAGES.c.state == MessageState.SENDING.value
# The sends a stopped or dead worker held, and one-off `outreach send` leases that ran out.
_ORPHANED_SENDS = select(_MESSAGES.c.id).where(
    _SENDING,
    or_(
        _MESSAGES.c.lease_owner.in_(bindparam("workers", expanding=True)),
        _MESSAGES.c.lease_owner.startswith(ONE_OFF_LEASE_PREFIX)
        & (_MESSAGES.c.lease_expires_at < bindparam("now")),
    ),
)
_LEFT_BY_WORKERS = select(_MESSAGES.c.id).where(
    _SENDING, _MESSAGES.c.lease_owner.in_(bindparam("workers", expanding=True))
)


def register_worker(session: Session, now: datetime) -> str:
    """Add this process to the workers table and return its id."""
    host, pid = socket.gethostname(), os.getpid()
    worker_id = f"{host}:{pid}:{uuid.uuid4().hex[:8]}"
    session.connection().execute(_REGISTER, {"id": worker_id, "hostname": host, "pid": pid,
                                             "started_at": now, "heartbeat_at": now})  # fmt: skip
    session.commit()
    return worker_id


def heartbeat(session: Session, worker_id: str, now: datetime) -> None:
    """Say this worker is alive (the caller commits: housekeeping does with its reaping)."""
    session.connection().execute(_HEARTBEAT, {"worker": worker_id, "now": now})


def stop_worker(session: Session, worker_id: str, now: datetime) -> None:
    """Mark a clean exit; anything still leased by it cannot have been sent in full."""
    connection = session.connection()
    connection.execute(_STOP, {"workers": [worker_id], "now": now})
    left = connection.execute(_LEFT_BY_WORKERS, {"workers": [worker_id]}).scalars().all()
    _to_unknown(session, left, now, "the worker stopped while sending")
    session.commit()


def reap_dead_workers(session: Session, now: datetime, dead_after_seconds: float) -> int:
    """Find workers that died; their in-flight sends become "unknown" for a person to settle.

    A worker on this host whose process is gone is dead at once (a restart notices its
    predecessor immediately); others are dead when their heartbeat is older than the limit.
    """
    silent_since = now - timedelta(seconds=dead_after_seconds)
    connection = session.connection()
    dead = [
        worker.id
        for worker in connection.execute(_RUNNING)
        if worker.heartbeat_at < silent_since or _gone_from_this_host(worker.hostname, worker.pid)
    ]
    if dead:
        connection.execute(_STOP, {"workers": dead, "now": now})
    orphaned = connection.execute(_ORPHANED_SENDS, {"workers": dead, "now": now}).scalars().all()
    count = _to_unknown(session, orphaned, now, "its worker died while sending")
    session.commit()
    return count


def live_workers(session: Session, now: datetime, dead_after_seconds: float) -> list[Worker]:
    """Workers with a recent heartbeat and no recorded stop."""
    silent_since = now - timedelta(seconds=dead_after_seconds)
    statement = select(Worker).where(
        col(Worker.stopped_at).is_(None), col(Worker.heartbeat_at) >= silent_since
    )
    return [
        worker
        for worker in session.exec(statement)
        if not _gone_from_this_host(worker.hostname, worker.pid)
    ]


def _gone_from_this_host(hostname: str, pid: int) -> bool:
    if hostname != socket.gethostname() or pid == os.getpid():
        return False
    try:
        os.kill(pid, 0)  # signal 0 only asks whether the process exists
    except ProcessLookupError:
        return True
    except PermissionError:
        return False  # it exists, under another user
    # A reused pid keeps a dead worker "alive" here; its silent heartbeat still gives it away.
    return False


def _to_unknown(session: Session, ids: Sequence[int], now: datetime, why: str) -> int:
    for message_id in ids:
        message = session.get(Message, message_id)
        assert message is not None
        one_off = (message.lease_owner or "").startswith(ONE_OFF_LEASE_PREFIX)
        reason = "`outreach send` stopped" if one_off else why
        # Never resent automatically: the server may have accepted it before the crash.
        message.state = MessageState.UNKNOWN.value
        message.last_error = f"delivery unknown: {reason}; settle with `outreach outbox resolve`"
        session.add(message)
        creator = session.get(Creator, message.creator_id)
        assert creator is not None
        record_event(session, creator, "delivery_unknown",
                     f"{message.template!r} to {message.to_address}: {reason}", now,
                     message_id=message.id)  # fmt: skip
    return len(ids)
