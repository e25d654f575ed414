"""Segments: conditions on profile fields, custom fields, tags and last interaction pick the right
members; counts are live and capped; members respect the viewer's record rules; a condition that
is not understood is a field error naming it."""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa

from core import toolkit
from core.testing import csrf_token
from modules.contacts.tests.activity_helpers import add_contact, api_headers


def _tag(app, contact_id, *names):
    from modules.contacts.models import ContactTag, Tag

    with app.app_context():
        for name in names:
            tag = toolkit.db.session.scalar(sa.select(Tag).where(Tag.name == name))
            if tag is None:
                tag = Tag(name=name)
                toolkit.db.session.add(tag)
                toolkit.db.session.flush()
            toolkit.db.session.add(ContactTag(contact_id=contact_id, tag_id=tag.id))
        toolkit.db.session.commit()


def _custom_field(app, key, type, choices=()):
    from modules.contacts.models import CustomField

    with app.app_context():
        toolkit.db.session.add(CustomField(object="contact", key=key, label=key.title(), type=type,
                                           choices=list(choices)))
        toolkit.db.session.commit()


@pytest.fixture
def people(make_app):
    """An app with five people who differ in stage, tier, tags, custom values and last interaction."""
    app = make_app(("contacts",))
    now = toolkit.utcnow()
    _custom_field(app, "vip", "boolean")
    _custom_field(app, "budget", "number")
    _custom_field(app, "renewal", "date")
    ids = {
        "ada": add_contact(app, "Ada", lifecycle_stage="customer", tier="gold", country="GB",
                           custom={"vip": True, "budget": 5000, "renewal": "2026-03-01"},
                           last_interaction_at=now - timedelta(days=3)),
        "bo": add_contact(app, "Bo", lifecycle_stage="customer", tier="silver", country="CN",
                          custom={"vip": False, "budget": 200}, last_interaction_at=now - timedelta(days=200)),
        "cy": add_contact(app, "Cy", lifecycle_stage="lead", tier="gold", country="DE",
                          custom={"budget": 12000, "renewal": "2026-09-15"}),
        "di": add_contact(app, "Di", lifecycle_stage="churned", tier="standard", email="di@example.org",
                          custom={"vip": True}, last_interaction_at=now - timedelta(days=40)),
        "ed": add_contact(app, "Ed", lifecycle_stage="customer", tier="platinum", first_name="Edmund"),
    }
    _tag(app, ids["ada"], "newsletter", "vip-event")
    _tag(app, ids["bo"], "newsletter")
    _tag(app, ids["di"], "vip-event")
    app.people = ids  # type: ignore[attr-defined]
    return app


def _members(app, filters, object="contact"):
    from modules.contacts.models import Contact
    from modules.contacts.segments import segment_query

    with app.app_context():
        stmt = segment_query(filters, object)
        return {c.last_name for c in toolkit.db.session.scalars(stmt.order_by(Contact.id))}


@pytest.mark.parametrize("filters, expected", [
    ([{"field": "lifecycle_stage", "op": "eq", "value": "customer"}], {"Ada", "Bo", "Ed"}),
    ([{"field": "lifecycle_stage", "op": "in", "value": ["lead", "churned"]}], {"Cy", "Di"}),
    ([{"field": "tier", "op": "ne", "value": "gold"}], {"Bo", "Di", "Ed"}),
    ([{"field": "custom.vip", "op": "eq", "value": True}], {"Ada", "Di"}),
    ([{"field": "custom.vip", "op": "empty"}], {"Cy", "Ed"}),
    ([{"field": "custom.budget", "op": "gt", "value": 1000}], {"Ada", "Cy"}),
    ([{"field": "custom.budget", "op": "between", "value": [100, 5000]}], {"Ada", "Bo"}),
    ([{"field": "custom.renewal", "op": "lt", "value": "2026-06-01"}], {"Ada"}),
    ([{"field": "tags", "op": "in", "value": ["Newsletter"]}], {"Ada", "Bo"}),
    ([{"field": "tags", "op": "all", "value": ["newsletter", "vip-event"]}], {"Ada"}),
    ([{"field": "tags", "op": "not_in", "value": ["vip-event"]}], {"Bo", "Cy", "Ed"}),
    ([{"field": "tags", "op": "empty"}], {"Cy", "Ed"}),
    ([{"field": "last_interaction_at", "op": "within_days", "value": 30}], {"Ada"}),
    ([{"field": "last_interaction_at", "op": "not_within_days", "value": 30}], {"Bo", "Cy", "Di", "Ed"}),
    ([{"field": "last_interaction_at", "op": "empty"}], {"Cy", "Ed"}),
    ([{"field": "country", "op": "in", "value": ["gb", "de"]}], {"Ada", "Cy"}),
    ([{"field": "email", "op": "contains", "value": "EXAMPLE"}], {"Di"}),
    ([{"field": "first_name", "op": "starts_with", "value": "edm"}], {"Ed"}),
    ([{"field": "lifecycle_stage", "op": "eq", "value": "customer"},
      {"field": "tags", "op": "in", "value": ["newsletter"]},
      {"field": "last_interaction_at", "op": "within_days", "value": 30}], {"Ada"}),
    ([], {"Ada", "Bo", "Cy", "Di", "Ed"}),
])
def test_conditions_pick_the_right_members(people, filters, expected):
    assert _members(people, filters) == expected


def test_created_date_conditions(people):
    today = toolkit.utcnow().date().isoformat()
    assert len(_members(people, [{"field": "created_at", "op": "eq", "value": today}])) == 5
    assert _members(people, [{"field": "created_at", "op": "lt", "value": today}]) == set()
    assert len(_members(people, [{"field": "created_at", "op": "within_days", "value": 1}])) == 5


@pytest.mark.parametrize("condition, key, words", [
    ({"field": "shoe_size", "op": "eq", "value": 1}, "field", "shoe_size"),
    ({"field": "tier", "op": "resembles", "value": "gold"}, "op", "resembles"),
    ({"field": "tier", "op": "eq", "value": "bronze"}, "value", "gold"),
    ({"field": "custom.budget", "op": "gt", "value": "lots"}, "value", "number"),
    ({"field": "last_interaction_at", "op": "within_days", "value": "soon"}, "value", "days"),
    ({"field": "tags", "op": "contains", "value": "x"}, "op", "contains"),
    ({"field": "tier", "op": "eq", "value": "gold", "colour": "red"}, "colour", "colour"),
])
def test_invalid_conditions_are_field_errors_naming_them(people, condition, key, words):
    from modules.contacts.segments import validate_filters

    with people.app_context():
        errors = validate_filters("contact", [{"field": "tier", "op": "eq", "value": "gold"}, condition])
    assert list(errors) == ["1"] and list(errors["1"]) == [key]
    assert words in errors["1"][key][0]


def test_api_refuses_unknown_field_with_a_field_error(people, make_user):
    admin = make_user(people, "admin")
    response = people.test_client().post("/api/v1/segments", headers=api_headers(people, admin), json={
        "name": "Broken", "filters": [{"field": "nonsense", "op": "eq", "value": 1}],
    })
    assert response.status_code == 422
    assert "nonsense" in response.get_json()["errors"]["filters"]["0"]["field"][0]


def test_api_segment_count_is_live_and_read_only(people, make_user):
    from modules.contacts.models import Contact

    admin = make_user(people, "admin")
    headers = api_headers(people, admin)
    client = people.test_client()
    created = client.post("/api/v1/segments", headers=headers, json={
        "name": "Gold", "filters": [{"field": "tier", "op": "eq", "value": "gold"}],
    })
    assert created.status_code == 201, created.get_json()
    body = created.get_json()
    assert (body["count"], body["count_capped"]) == (2, False)
    with people.app_context():
        toolkit.db.session.get(Contact, people.people["ed"]).tier = "gold"
        toolkit.db.session.commit()
    assert client.get(f"/api/v1/segments/{body['id']}", headers=headers).get_json()["count"] == 3
    refused = client.post("/api/v1/segments", headers=headers, json={"name": "X", "count": 5})
    assert refused.status_code == 422 and "count" in refused.get_json()["errors"]


def test_members_respect_the_viewers_record_rules(people, make_user):
    from modules.contacts.models import Contact, Segment
    from modules.contacts.segments import member_count, segment_members

    alice = make_user(people, "user")
    bob = make_user(people, "user")
    with people.app_context():
        for key in ("ada", "bo"):
            toolkit.db.session.get(Contact, people.people[key]).owner_id = alice.id
        toolkit.db.session.get(Contact, people.people["ed"]).owner_id = bob.id
        segment = Segment(name="Customers", object="contact", owner_id=alice.id,
                          filters=[{"field": "lifecycle_stage", "op": "eq", "value": "customer"}])
        toolkit.db.session.add(segment)
        toolkit.db.session.commit()
        segment_id = segment.id
    with people.test_request_context():
        alice_row = toolkit.db.session.get(toolkit.User, alice.id)
        bob_row = toolkit.db.session.get(toolkit.User, bob.id)
        names = {c.last_name for c in toolkit.db.session.scalars(segment_members(segment_id, user=alice_row))}
        assert names == {"Ada", "Bo"}
        assert {c.last_name for c in toolkit.db.session.scalars(segment_members(segment_id, user=bob_row))} == {"Ed"}
        assert member_count(toolkit.db.session.get(Segment, segment_id), user=bob_row) == (1, False)
        everybody = segment_members(segment_id, all_records=True)
        assert len(list(toolkit.db.session.scalars(everybody))) == 3
        # outside a request and without a user: nobody (never everybody by accident)
        assert list(toolkit.db.session.scalars(segment_members(segment_id))) == []
        with pytest.raises(LookupError):
            segment_members(999999)


def test_owner_me_condition(people, make_user):
    from modules.contacts.models import Contact
    from modules.contacts.segments import segment_query

    owner = make_user(people, "user")
    with people.app_context():
        toolkit.db.session.get(Contact, people.people["cy"]).owner_id = owner.id
        toolkit.db.session.commit()
        user = toolkit.db.session.get(toolkit.User, owner.id)
        stmt = segment_query([{"field": "owner_id", "op": "eq", "value": "me"}], user=user)
        assert [c.last_name for c in toolkit.db.session.scalars(stmt)] == ["Cy"]


def test_segment_pages_create_count_and_list_members(people, client_as):
    from modules.contacts.models import Contact, Segment

    client = client_as(people, "user")
    with people.app_context():
        for key in ("ada", "bo", "cy"):
            toolkit.db.session.get(Contact, people.people[key]).owner_id = client.user.id
        toolkit.db.session.commit()
    token = csrf_token(client, "/contacts/segments/new")
    form = {"csrf_token": token, "name": "Newsletter customers", "object": "contact", "description": "",
            "f0_field": "lifecycle_stage", "f0_op": "eq", "f0_value": "customer",
            "f1_field": "tags", "f1_op": "in", "f1_value": "newsletter, vip-event",
            "f2_field": "", "f2_op": "", "f2_value": ""}
    preview = client.post("/contacts/segments/new", data={**form, "preview": "1"})
    assert "2 members right now" in preview.get_data(as_text=True)  # Ada, Bo (Di is not customer, Ed not own)
    with people.app_context():
        assert toolkit.db.session.scalar(sa.select(sa.func.count(Segment.id))) == 0  # nothing saved
    saved = client.post("/contacts/segments/new", data=form)
    assert saved.status_code == 302, saved.get_data(as_text=True)
    detail = client.get(saved.headers["Location"]).get_data(as_text=True)
    assert "Newsletter customers" in detail and "segment-member-count" in detail
    with people.app_context():
        segment = toolkit.db.session.scalar(sa.select(Segment))
        assert segment.filters[1] == {"field": "tags", "op": "in", "value": ["newsletter", "vip-event"]}
        segment_id = segment.id
    members = client.get(f"/contacts/segments/{segment_id}/people/")
    assert members.status_code == 200
    text = members.get_data(as_text=True)
    assert "Ada" in text and "Bo" in text and "Cy" not in text and "Ed" not in text
    assert "2 records" in text
    export = client.get(f"/contacts/segments/{segment_id}/people/export.csv").get_data(as_text=True)
    assert "Ada" in export and "Ed" not in export
    # the wrong kind of members page, or someone else's segment, is not found
    assert client.get(f"/contacts/segments/{segment_id}/companies/").status_code == 404
    edit = client.get(f"/contacts/segments/{segment_id}/edit").get_data(as_text=True)
    assert 'value="newsletter, vip-event"' in edit and "2 members right now" in edit


def test_segment_form_marks_the_bad_condition(people, client_as):
    client = client_as(people, "user")
    token = csrf_token(client, "/contacts/segments/new")
    response = client.post("/contacts/segments/new", data={
        "csrf_token": token, "name": "Bad", "object": "contact",
        "f0_field": "tier", "f0_op": "eq", "f0_value": "gold",
        "f1_field": "tier", "f1_op": "within_days", "f1_value": "3",
    })
    assert response.status_code == 422
    text = response.get_data(as_text=True)
    assert 'id="f1-error"' in text and "within_days" in text and 'id="f0-error"' not in text


def test_another_users_segment_is_not_found(people, client_as, make_user):
    from modules.contacts.models import Segment

    other = make_user(people, "user")
    with people.app_context():
        segment = Segment(name="Theirs", object="contact", owner_id=other.id, filters=[])
        toolkit.db.session.add(segment)
        toolkit.db.session.commit()
        segment_id = segment.id
    client = client_as(people, "user")
    assert client.get(f"/contacts/segments/{segment_id}").status_code == 404
    assert client.get(f"/contacts/segments/{segment_id}/people/").status_code == 404


def test_count_is_capped(people):
    from modules.contacts.models import Contact
    from modules.contacts.segments import capped_count, segment_query

    with people.app_context():
        assert capped_count(segment_query([]), Contact, cap=3) == (3, True)
        assert capped_count(segment_query([]), Contact, cap=5) == (5, False)
