"""Units' contact persons (联络员), kept by the office: reminders go to their e-mail addresses."""

from __future__ import annotations

import re

from sqlalchemy import select

from db.models import UnitContact
from services.actor import Action, Actor, require
from services.audit import record
from services.tasks import _plan, _unit

_EMAIL = re.compile(r"^[^@\s<>,;\"']+@[^@\s<>,;\"']+\.[^@\s<>,;\"']+$")
_PHONE = re.compile(r"^[0-9+\-() ]{0,40}$")


def save_contact(
    session,
    actor: Actor,
    plan_code: str,
    unit: str,
    name: str,
    phone: str = "",
    email: str = "",
    contact_id: int | None = None,
    active: bool = True,
) -> UnitContact:
    """Add a unit's contact (or change one by ``contact_id``); audited."""
    require(actor, Action.MANAGE_CONTACTS)
    plan = _plan(session, plan_code)
    unit_row = _unit(session, plan, unit)
    name, phone, email = (name or "").strip(), (phone or "").strip(), (email or "").strip()
    if not name or len(name) > 80:
        raise ValueError("请填写联系人姓名（最多80字）")
    if email and not _EMAIL.match(email):
        raise ValueError(f"邮箱“{email}”格式不正确")
    if not _PHONE.match(phone):
        raise ValueError(f"电话“{phone}”只能包含数字、空格和 + - ( )")
    contact = session.get(UnitContact, contact_id) if contact_id else None
    before = None
    if contact is None:
        contact = UnitContact(unit_id=unit_row.id, name=name)
        session.add(contact)
    else:
        before = {
            "name": contact.name,
            "phone": contact.phone,
            "email": contact.email,
            "active": contact.active,
        }
    contact.name, contact.phone, contact.email, contact.active = name, phone, email, active
    contact.updated_by = actor.name
    session.flush()
    record(
        session,
        actor,
        Action.MANAGE_CONTACTS.value,
        entity="contact",
        entity_key=f"{unit_row.name}|{name}",
        plan_code=plan_code,
        unit=unit_row.name,
        before=before,
        after={"name": name, "phone": phone, "email": email, "active": active},
    )
    return contact


def contact_rows(session, plan_code: str | None = None) -> list[dict]:
    query = select(UnitContact).order_by(UnitContact.unit_id, UnitContact.id)
    rows = []
    jurisdiction = _plan(session, plan_code).jurisdiction if plan_code else None
    for c in session.scalars(query):
        if jurisdiction and c.unit.jurisdiction != jurisdiction:
            continue
        rows.append(
            {
                "id": c.id,
                "单位": c.unit.name,
                "姓名": c.name,
                "电话": c.phone,
                "邮箱": c.email,
                "在用": "是" if c.active else "否",
                "维护人": c.updated_by,
            }
        )
    return rows
