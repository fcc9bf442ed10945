"""Message templates. The statements answer rows (dicts keyed by column); ``as_template``
builds the domain's Template from one."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping

from sqlalchemy import and_, bindparam, or_, select, update
from sqlalchemy.orm import Session

from aicmo_distribution.adapters.repository._rows import as_row, insert_ignoring_conflicts
from aicmo_distribution.adapters.tables import templates
from aicmo_distribution.domain.templates import MessageContent, Template


def as_template(row: Mapping | None) -> Template | None:
    """The Template a row of templates records (None for None)."""
    if row is None:
        return None
    return Template(
        id=row["id"], venture_id=row["venture_id"], name=row["name"], channel=row["channel"],
        message=MessageContent(row["subject"], row["body_text"], row["body_html"]),
        variables=tuple(row["variables"]), revision=row["revision"],
        request_id=row["request_id"], request_hash=row["request_hash"],
        created_at=row["created_at"], updated_at=row["updated_at"],
        held_at=row.get("held_at"), hold_reason=row.get("hold_reason") or "")


def insert_template(session: Session, values: Mapping) -> bool:
    return insert_ignoring_conflicts(session, templates, values)


_GET_TEMPLATE = select(templates).where(templates.c.id == bindparam("template_id"))


def get_template(session: Session, template_id: str) -> dict | None:
    return as_row(session.execute(_GET_TEMPLATE, {"template_id": template_id})
                .mappings().first())


def template_by_request(session: Session, request_id: str) -> dict | None:
    return as_row(session.execute(select(templates).where(templates.c.request_id == request_id))
                .mappings().first())


def update_template(session: Session, template_id: str, values: Mapping) -> None:
    session.execute(update(templates).where(templates.c.id == template_id).values(**values))


def list_templates(session: Session, *, venture_id: str | None, channel: str | None,
                   after: tuple[dt.datetime, str] | None, limit: int) -> list[dict]:
    query = select(templates)
    if venture_id:
        query = query.where(templates.c.venture_id == venture_id)
    if channel:
        query = query.where(templates.c.channel == channel)
    if after is not None:
        query = query.where(or_(templates.c.created_at > after[0],
                                and_(templates.c.created_at == after[0],
                                     templates.c.id > after[1])))
    query = query.order_by(templates.c.created_at, templates.c.id).limit(limit)
    return [as_row(r) for r in session.execute(query).mappings()]
