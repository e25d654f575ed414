"""The shared fixtures themselves: departments named in client_as are created on first use."""

from __future__ import annotations


def test_user_in_new_department_by_name(make_app, client_as) -> None:
    app = make_app()
    c = client_as(app, "manager", department="Sales East")
    assert c.user.department_id
    c2 = client_as(app, "user", department="Sales East")
    assert c2.user.department_id == c.user.department_id
