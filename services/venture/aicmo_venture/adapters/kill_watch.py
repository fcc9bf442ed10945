"""Storage of the kill switch push: the change counter, snapshots and the watching replicas.

Functions over a session, each one statement or one consistent read, run by
:mod:`aicmo_venture.service_layer.kill_propagation` on the database threads.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import delete, insert, select, update
from sqlalchemy.orm import Session

from aicmo_venture.adapters import tables

EPOCH_ROW_ID = 1


@dataclass(frozen=True)
class Snapshot:
    """Every engaged kill switch, as of one epoch of the change counter."""

    epoch: int
    global_engaged: bool
    venture_ids: tuple[str, ...]
    campaign_ids: tuple[str, ...]


@dataclass(frozen=True)
class Watcher:
    replica_id: str
    epoch: int
    confirmed_at: dt.datetime


def bump_epoch(session: Session) -> None:
    """Counts one change of any switch (in the transaction of the change)."""
    table = tables.kill_switch_epoch
    result = session.execute(update(table).where(table.c.id == EPOCH_ROW_ID)
                             .values(epoch=table.c.epoch + 1))
    if result.rowcount == 0:
        session.execute(insert(table).values(id=EPOCH_ROW_ID, epoch=1))


def current_epoch(session: Session) -> int:
    table = tables.kill_switch_epoch
    value = session.execute(select(table.c.epoch).where(table.c.id == EPOCH_ROW_ID)).scalar()
    return int(value or 0)


def load_snapshot(session: Session) -> Snapshot:
    """The engaged switches and the epoch they belong to, read in one transaction."""
    epoch = current_epoch(session)
    g = tables.global_kill_switch
    global_engaged = bool(session.execute(
        select(g.c.kill_switch_engaged).where(g.c.id == 1)).scalar())
    v, c = tables.ventures, tables.campaigns
    venture_ids = tuple(session.execute(
        select(v.c.id).where(v.c.kill_switch_engaged.is_(True)).order_by(v.c.id)).scalars())
    campaign_ids = tuple(session.execute(
        select(c.c.id).where(c.c.kill_switch_engaged.is_(True)).order_by(c.c.id)).scalars())
    return Snapshot(epoch, global_engaged, venture_ids, campaign_ids)


def register(session: Session, replica_id: str, node: str, at: dt.datetime) -> None:
    """A replica opened its stream: it has confirmed nothing yet (epoch -1)."""
    table = tables.kill_switch_watchers
    session.execute(delete(table).where(table.c.replica_id == replica_id))
    session.execute(insert(table).values(replica_id=replica_id, node=node, epoch=-1,
                                         confirmed_at=at))


def confirm(session: Session, replica_id: str, node: str, epoch: int, at: dt.datetime) -> None:
    table = tables.kill_switch_watchers
    result = session.execute(update(table).where(table.c.replica_id == replica_id)
                             .values(node=node, epoch=epoch, confirmed_at=at))
    if result.rowcount == 0:
        session.execute(insert(table).values(replica_id=replica_id, node=node, epoch=epoch,
                                             confirmed_at=at))


def unregister(session: Session, replica_id: str, node: str) -> None:
    """A replica closed its stream (on this node; it may have reconnected elsewhere)."""
    table = tables.kill_switch_watchers
    session.execute(delete(table).where(table.c.replica_id == replica_id,
                                        table.c.node == node))


def live_watchers(session: Session, since: dt.datetime) -> list[Watcher]:
    """The replicas that confirmed something (or connected) at or after ``since``."""
    table = tables.kill_switch_watchers
    rows = session.execute(select(table).where(table.c.confirmed_at >= since)
                           .order_by(table.c.replica_id))
    return [Watcher(row.replica_id, int(row.epoch), row.confirmed_at) for row in rows]
