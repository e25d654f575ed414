"""Duplicates: detection (same e-mail, same phone, similar names), the count, and merging through every module."""

from __future__ import annotations

import re
from datetime import datetime
from pathlib import Path

import pytest

from core import toolkit
from core.testing import csrf_token

ADDONS = str(Path(__file__).parent / "addons")


@pytest.fixture
def loyalty_app(make_app, monkeypatch):
    """contacts plus the test module ``loyalty`` (a table pointing at contacts_contact.id)."""
    monkeypatch.setenv("CRM_ADDONS_PATH", ADDONS)
    return make_app(("contacts", "loyalty"))


def _add(app, **people):
    """``name=dict(fields)`` → ids by name."""
    from modules.contacts.models import Contact

    ids = {}
    with app.app_context():
        for key, fields in people.items():
            tags = fields.pop("tags", [])
            contact = Contact(**fields)
            contact.tags = tags
            toolkit.db.session.add(contact)
            toolkit.db.session.flush()
            ids[key] = contact.id
        toolkit.db.session.commit()
    return ids


def test_exact_and_name_groups_within_the_record_rule(make_app, make_user) -> None:
    from modules.contacts import duplicates

    app = make_app(("contacts",))
    manager = make_user(app, "manager")
    mine = {"owner_id": manager.id}
    ids = _add(
        app,
        ann1=dict(first_name="Ann", last_name="Lee", email="ann@example.com", **mine),
        ann2=dict(first_name="Anne", last_name="Lee", email="ANN@example.com", **mine),
        ann3=dict(first_name="Ann", last_name="Lee", email="ann@example.com"),  # not the manager's
        bob1=dict(first_name="Bob", last_name="Stone", mobile="+4917012345678", **mine),
        bob2=dict(first_name="Robert", last_name="Stone", phone="+4917012345678", **mine),
        jim1=dict(first_name="James", last_name="Smith", email="j1@example.com", **mine),
        jim2=dict(first_name="James", last_name="Smith", email="j2@example.com", **mine),  # another James Smith
        jim3=dict(first_name="James", last_name="Smyth", city="Leeds", **mine),  # no e-mail: could be either
        wang1=dict(first_name="小明", last_name="王", **mine),
        wang2=dict(first_name="小明", last_name="王", **mine),
    )
    with app.test_request_context():
        user = toolkit.db.session.get(toolkit.User, manager.id)
        emails, _cursor = duplicates.exact_groups("email_key", user)
        assert [g.ids for g in emails] == [[ids["ann1"], ids["ann2"]]]
        everyone, _cursor = duplicates.exact_groups("email_key", None)
        assert [g.ids for g in everyone] == [[ids["ann1"], ids["ann2"], ids["ann3"]]]
        phones, _cursor = duplicates.exact_groups("phone_key", user)
        assert [g.ids for g in phones] == [[ids["bob1"], ids["bob2"]]]
        names, cursor = duplicates.name_groups(user)
        found = sorted(sorted(g.ids) for g in names)
        assert sorted([ids["jim1"], ids["jim3"]]) in found, "a James without e-mail may be one of them"
        assert not any({ids["jim1"], ids["jim2"]} <= set(g) for g in found), "different e-mails: two people"
        assert sorted([ids["wang1"], ids["wang2"]]) in found
        assert cursor is None
        assert duplicates.duplicate_count(user) == 2
        assert duplicates.duplicate_count(None) == 3


def test_name_blocks_are_read_a_page_at_a_time(make_app) -> None:
    from modules.contacts import duplicates
    from modules.contacts.models import Contact

    app = make_app(("contacts",))
    with app.app_context():
        rows = []
        for first in ("Aaron", "Bella", "Carla", "Dieter"):
            for n in range(30):
                rows.append({"first_name": first, "last_name": f"Mill{'e' if n % 2 else 'a'}r", "tier": "standard",
                             "lifecycle_stage": "lead", "custom": {}, "version": 1, "created_at": datetime(2024, 1, 1),
                             "updated_at": datetime(2024, 1, 1),
                             "name_key": f"{first.lower()} mill{'e' if n % 2 else 'a'}r"})
        toolkit.db.session.execute(toolkit.sa.insert(Contact.__table__), rows)
        toolkit.db.session.commit()
        seen, cursor, pages = [], None, 0
        while True:
            groups, cursor = duplicates.name_groups(None, after=cursor, scan_rows=50)
            seen.extend(groups)
            pages += 1
            if cursor is None:
                break
        assert pages >= 4
        blocks = {duplicates.block_of(m.name_key) for g in seen for m in g.members}
        assert blocks == {"aar", "bel", "car", "die"}
        assert all(2 <= len(g.members) <= 5 for g in seen)
        assert sum(len(g.members) for g in seen) == 120


def _merge_scene(app):
    from loyalty.models import Card

    from modules.contacts.models import Assignment, Consent, Interaction, Task

    ids = _add(
        app,
        keep=dict(first_name="Ann", last_name="Lee", email="ann@example.com", city="Berlin", tags=["vip"]),
        dup1=dict(first_name="Anne", last_name="Lee-Smith", email="ann@example.com", phone="+493012345678",
                  position="CEO", tags=["golf", "vip"]),
        dup2=dict(first_name="A.", last_name="Lee", mobile="+4917012345678", city="Hamburg", tags=["wine"]),
    )
    with app.app_context():
        session = toolkit.db.session
        session.add_all([
            Consent(contact_id=ids["keep"], channel="email", granted=True, source="form"),
            Consent(contact_id=ids["dup1"], channel="sms", granted=True, source="fair"),
            Interaction(contact_id=ids["dup1"], channel="call", summary="Called about the offer"),
            Task(contact_id=ids["dup2"], title="Send brochure", due_at=datetime(2030, 1, 1)),
            Assignment(object="contact", record_id=ids["dup2"], reason="handover"),
            Card(contact_id=ids["dup1"], number="L-1", holder="Anne Lee-Smith", points=120),
            Card(contact_id=ids["dup2"], number="L-2", holder="A. Lee", points=5),
        ])
        session.commit()
    return ids


def test_merge_through_the_pages_repoints_every_modules_rows(loyalty_app, client_as) -> None:
    from loyalty.models import Card

    from core.audit import AuditEntry
    from modules.contacts.models import Assignment, Consent, Contact, Interaction, Task

    app = loyalty_app
    ids = _merge_scene(app)
    client = client_as(app, "admin")
    review = client.get("/contacts/duplicates/?kind=email").get_data(as_text=True)
    assert f'data-ids="{ids["keep"]},{ids["dup1"]}"' in review
    all_ids = [ids["keep"], ids["dup1"], ids["dup2"]]
    page = client.get("/contacts/duplicates/merge", query_string={"ids": all_ids})
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert re.search(rf'name="field-first_name" value="{ids["keep"]}" checked', html)
    form = {"csrf_token": csrf_token(client, "/contacts/duplicates/"), "ids": all_ids, "target": ids["keep"],
            "field-first_name": ids["dup1"], "field-last_name": ids["keep"], "field-city": ids["dup2"],
            "field-position": ids["dup1"], "field-mobile": ids["dup2"]}
    response = client.post("/contacts/duplicates/merge", data=form)
    assert response.status_code == 302 and response.headers["Location"].endswith(f"/contacts/contacts/{ids['keep']}")
    with app.app_context():
        session = toolkit.db.session
        assert session.scalars(toolkit.sa.select(Contact.id)).all() == [ids["keep"]]
        kept = session.get(Contact, ids["keep"])
        assert (kept.first_name, kept.last_name, kept.city, kept.position, kept.mobile, kept.phone) == (
            "Anne", "Lee", "Hamburg", "CEO", "+4917012345678", "+493012345678")
        assert kept.tags == ["golf", "vip", "wine"]
        assert sorted(c.channel for c in session.scalars(toolkit.sa.select(Consent))) == ["email", "sms"]
        assert {c.contact_id for c in session.scalars(toolkit.sa.select(Consent))} == {ids["keep"]}
        assert session.scalars(toolkit.sa.select(Interaction.contact_id)).all() == [ids["keep"]]
        assert session.scalars(toolkit.sa.select(Task.contact_id)).all() == [ids["keep"]]
        assert session.scalars(toolkit.sa.select(Assignment.record_id).where(Assignment.reason == "handover")).all() \
            == [ids["keep"]]
        assert sorted(session.execute(toolkit.sa.select(Card.number, Card.contact_id)).all()) == [
            ("L-1", ids["keep"]), ("L-2", ids["keep"])]
        merges = session.scalars(toolkit.sa.select(AuditEntry).where(AuditEntry.action == "merge")).all()
        assert [(m.object, m.record_id, m.changes) for m in merges] == [
            ("contacts.contact", ids["keep"], {"merged": [[ids["dup1"], ids["dup2"]], ids["keep"]]})]
        deleted = session.scalars(toolkit.sa.select(AuditEntry.record_id).where(
            AuditEntry.object == "contacts.contact", AuditEntry.action == "delete")).all()
        assert sorted(deleted) == [ids["dup1"], ids["dup2"]]


def test_a_failing_module_hook_leaves_everything_as_it_was(loyalty_app, client_as, monkeypatch) -> None:
    from modules.contacts import duplicates
    from modules.contacts.models import Contact, Interaction

    app = loyalty_app
    ids = _merge_scene(app)
    client = client_as(app, "admin")

    def broken(*_args, **_kwargs):
        raise RuntimeError("disk full")

    real = toolkit.hook_each

    def failing(hook, **kwargs):
        real(hook, **kwargs)
        broken()

    monkeypatch.setattr(duplicates.toolkit, "hook_each", failing)
    form = {"csrf_token": csrf_token(client, "/contacts/duplicates/"), "ids": [ids["keep"], ids["dup1"]],
            "target": ids["keep"], "field-first_name": ids["dup1"]}
    with pytest.raises(RuntimeError):
        client.post("/contacts/duplicates/merge", data=form)
    with app.app_context():
        toolkit.db.session.rollback()
        assert len(toolkit.db.session.scalars(toolkit.sa.select(Contact.id)).all()) == 3
        assert toolkit.db.session.get(Contact, ids["keep"]).first_name == "Ann"
        assert toolkit.db.session.scalars(toolkit.sa.select(Interaction.contact_id)).all() == [ids["dup1"]]


def test_merge_needs_the_permission_and_rights_on_every_record(make_app, client_as) -> None:
    app = make_app(("contacts",))
    user = client_as(app, "user")
    assert user.get("/contacts/duplicates/").status_code == 403
    manager = client_as(app, "manager")
    ids = _add(app, a=dict(last_name="Lee", email="x@example.com", owner_id=manager.user.id),
               b=dict(last_name="Lee", email="x@example.com"))  # nobody's: outside the manager's team
    page = manager.get("/contacts/duplicates/merge", query_string={"ids": [ids["a"], ids["b"]]})
    assert page.status_code == 302
    follow = manager.get(page.headers["Location"]).get_data(as_text=True)
    assert "do not exist or you may not change them" in follow
    too_many = manager.get("/contacts/duplicates/merge", query_string={"ids": [ids["a"]]})
    assert "between 2 and 5 contacts" in manager.get(too_many.headers["Location"]).get_data(as_text=True)
