"""Ownership: assigning, department heads, bulk transfer (page and background job), history, record rules."""

from __future__ import annotations

from typing import Any

import pytest
from flask import Flask

from core import toolkit
from core.testing import login, make_department
from modules.contacts import ownership
from modules.contacts.tests.profile_helpers import add, api_token, count, get, post_form


@pytest.fixture
def app(make_app: Any) -> Flask:
    return make_app(("contacts",))


def _client(app: Flask, user: Any) -> Any:
    client = app.test_client()
    assert login(client, user.email, user.password).status_code == 302
    return client


def _history(app: Flask, kind: str, record_id: int) -> list[tuple[Any, ...]]:
    from modules.contacts.models import Assignment

    with app.app_context():
        rows = toolkit.db.session.scalars(
            toolkit.sa.select(Assignment).where(Assignment.object == kind, Assignment.record_id == record_id)
            .order_by(Assignment.id))
        return [(r.from_user_id, r.to_user_id, r.by_user_id, r.reason) for r in rows]


def test_transfer_moves_every_customer_and_the_record_rules_follow(app: Flask, make_user: Any,
                                                                   client_as: Any) -> None:
    leaver, heir = make_user(app, "user"), make_user(app, "user")
    other = make_user(app, "user")
    contacts = [add(app, "contact", last_name=f"Customer{i}", owner_id=leaver.id) for i in range(3)]
    company = add(app, "company", name="Book Ltd", owner_id=leaver.id)
    untouched = add(app, "contact", last_name="Elsewhere", owner_id=other.id)
    old, new = _client(app, leaver), _client(app, heir)
    assert old.get(f"/contacts/contacts/{contacts[0]}").status_code == 200
    assert new.get(f"/contacts/contacts/{contacts[0]}").status_code == 404

    admin = client_as(app, "admin")
    page = admin.get(f"/contacts/ownership/transfer?from_user={leaver.id}").get_data(as_text=True)
    assert "Owns 3 contacts and 1 companies." in page
    response = post_form(admin, "/contacts/ownership/transfer", {
        "from_user": str(leaver.id), "to_user": str(heir.id), "kinds": ["contact", "company"],
        "move_department": "1", "reason": "Left the company"})
    assert response.status_code == 302

    for contact_id in contacts:
        assert old.get(f"/contacts/contacts/{contact_id}").status_code == 404
        assert new.get(f"/contacts/contacts/{contact_id}").status_code == 200
        assert _history(app, "contact", contact_id) == [(leaver.id, heir.id, admin.user.id, "Left the company")]
    assert new.get(f"/contacts/companies/{company}").status_code == 200
    assert get(app, "contact", untouched).owner_id == other.id
    assert get(app, "contact", contacts[0]).version == 2  # an editor holding the old version gets a conflict
    timeline = new.get(f"/contacts/contacts/{contacts[0]}").get_data(as_text=True)
    assert "Left the company" in timeline and "→" in timeline
    listing = old.get("/contacts/contacts/").get_data(as_text=True)
    assert "Customer0" not in listing


def test_transfer_shares_out_among_several_users_and_refuses_nonsense(app: Flask, make_user: Any,
                                                                    client_as: Any) -> None:
    leaver, first, second = (make_user(app, "user") for _ in range(3))
    ids = [add(app, "contact", last_name=f"C{i}", owner_id=leaver.id) for i in range(4)]
    admin = client_as(app, "admin")
    bad = post_form(admin, "/contacts/ownership/transfer", {"from_user": str(leaver.id), "to_user": str(leaver.id)})
    assert bad.status_code == 422 and "same user" in bad.get_data(as_text=True)
    bad = post_form(admin, "/contacts/ownership/transfer", {"from_user": str(leaver.id)})
    assert bad.status_code == 422
    response = post_form(admin, "/contacts/ownership/transfer", {
        "from_user": str(leaver.id), "to_user": [str(first.id), str(second.id)], "kinds": "contact"})
    assert response.status_code == 302
    owners = [get(app, "contact", i).owner_id for i in ids]
    assert sorted(owners) == sorted([first.id, first.id, second.id, second.id])


def test_a_big_book_moves_in_a_background_job(app: Flask, make_user: Any, client_as: Any,
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(ownership, "BACKGROUND_THRESHOLD", 2)
    monkeypatch.setattr(ownership, "CHUNK", 2)  # several chunks, progress in between
    sales, support = make_department(app, "Sales"), make_department(app, "Support")
    leaver, heir = make_user(app, "user", department=sales), make_user(app, "user", department=support)
    ids = [add(app, "contact", last_name=f"Big{i}", owner_id=leaver.id, department_id=leaver.department_id)
           for i in range(5)]
    admin = client_as(app, "admin")
    response = post_form(admin, "/contacts/ownership/transfer", {
        "from_user": str(leaver.id), "to_user": str(heir.id), "kinds": ["contact", "company"],
        "move_department": "1"})
    assert response.status_code == 302 and "/jobs/" in response.headers["Location"]
    job = admin.get(response.headers["Location"] + ".json").get_json()
    assert job["state"] == "done" and job["task"] == "contacts.transfer_all", job
    for contact_id in ids:
        record = get(app, "contact", contact_id)
        assert (record.owner_id, record.department_id) == (heir.id, heir.department_id)
    assert count(app, "Assignment") == 5


def test_only_admins_or_the_transfer_permission_may_transfer(app: Flask, client_as: Any) -> None:
    for role in ("user", "manager"):
        assert client_as(app, role).get("/contacts/ownership/transfer").status_code == 403


def test_department_head_reassigns_within_the_department_only(app: Flask, make_user: Any) -> None:
    head = make_user(app, "manager")
    sales = make_department(app, "Sales", head=head.id)
    inside_a = make_user(app, "user", department=sales)
    inside_b = make_user(app, "user", department=sales)
    outsider = make_user(app, "user", department=make_department(app, "Support"))
    record = add(app, "contact", last_name="Customer", owner_id=inside_a.id, department_id=sales)
    foreign = add(app, "contact", last_name="Foreign", owner_id=outsider.id)
    boss = _client(app, head)

    page = boss.get(f"/contacts/ownership/contact/{record}").get_data(as_text=True)
    assert inside_b.email in page or str(inside_b.id) in page
    response = post_form(boss, f"/contacts/ownership/contact/{record}", {
        "owner_id": str(outsider.id), "department_id": str(sales)})
    assert response.status_code == 422
    assert get(app, "contact", record).owner_id == inside_a.id
    response = post_form(boss, f"/contacts/ownership/contact/{record}", {
        "owner_id": str(inside_b.id), "department_id": str(sales), "reason": "holiday cover"})
    assert response.status_code == 302
    assert get(app, "contact", record).owner_id == inside_b.id
    assert _history(app, "contact", record) == [(inside_a.id, inside_b.id, head.id, "holiday cover")]
    assert boss.get(f"/contacts/ownership/contact/{foreign}").status_code == 404  # outside the team rule

    member = _client(app, inside_b)
    assert member.get(f"/contacts/ownership/contact/{record}").status_code == 403
    assert "Change owner" not in member.get(f"/contacts/contacts/{record}").get_data(as_text=True)
    assert "Change owner" in boss.get(f"/contacts/contacts/{record}").get_data(as_text=True)


def test_assigning_to_a_department_lets_its_team_see_the_customer(app: Flask, make_user: Any,
                                                                  client_as: Any) -> None:
    support = make_department(app, "Support")
    teammate = make_user(app, "manager", department=support)
    record = add(app, "company", name="Shared Ltd")
    assert _client(app, teammate).get(f"/contacts/companies/{record}").status_code == 404
    admin = client_as(app, "admin")
    response = post_form(admin, f"/contacts/ownership/company/{record}", {"owner_id": "", "department_id": str(support)})
    assert response.status_code == 302
    assert _client(app, teammate).get(f"/contacts/companies/{record}").status_code == 200
    assert _history(app, "company", record)[0][:2] == (None, None)


def test_api_refuses_owner_changes_the_user_may_not_make(app: Flask, make_user: Any, client_as: Any) -> None:
    user = client_as(app, "user")
    other = make_user(app, "user")
    headers = api_token(app, user.user)
    client = app.test_client()
    own = client.post("/api/v1/contacts", json={"last_name": "Mine"}, headers=headers)
    assert own.status_code == 201 and own.get_json()["owner_id"] == user.user.id
    response = client.patch(f"/api/v1/contacts/{own.get_json()['id']}", json={"owner_id": other.id},
                            headers=headers)
    assert response.status_code == 422
    assert "owner_id" in response.get_json()["errors"]
    response = client.post("/api/v1/contacts", json={"last_name": "Gift", "owner_id": other.id}, headers=headers)
    assert response.status_code == 422 and count(app, "Contact") == 1
    admin = make_user(app, "admin")
    response = client.patch(f"/api/v1/contacts/{own.get_json()['id']}", json={"owner_id": other.id},
                            headers=api_token(app, admin))
    assert response.status_code == 200 and response.get_json()["owner_id"] == other.id
    assert _history(app, "contact", own.get_json()["id"]) == [(user.user.id, other.id, admin.id, None)]
