"""Password policy and storage: Argon2id with OWASP parameters, length and common-password checks."""

from __future__ import annotations

import pytest

from core.security.errors import SecurityError
from core.security.passwords import check_policy, hash_password, needs_rehash, verify_password


@pytest.mark.parametrize(
    ("password", "rule"),
    [
        ("short", "at least 12 characters"),
        ("elevenchars", "at least 12 characters"),
        ("password1234", "list of common passwords"),
        ("Qwertyuiop123", "list of common passwords"),
        ("1q2w3e4r5t6y", "list of common passwords"),
    ],
)
def test_weak_passwords_are_refused_naming_the_rule(password: str, rule: str) -> None:
    with pytest.raises(SecurityError, match=rule):
        check_policy(password)
    with pytest.raises(SecurityError, match=rule):
        hash_password(password)


def test_good_password_is_stored_as_argon2id_with_owasp_parameters() -> None:
    hashed = hash_password("violet staple engine 7")
    assert hashed.startswith("$argon2id$v=19$m=19456,t=2,p=1$")
    assert "violet" not in hashed
    assert verify_password(hashed, "violet staple engine 7")
    assert not verify_password(hashed, "violet staple engine 8")
    assert not verify_password("", "violet staple engine 7")
    assert not verify_password("not a hash", "violet staple engine 7")
    assert not needs_rehash(hashed)
    assert needs_rehash("$argon2id$v=19$m=65536,t=3,p=4$c29tZXNhbHQ$RdescudvJCsgt3ub+b+dWRWJTmaaJObG")


def test_weak_password_refused_on_the_admin_user_form(make_app, client_as) -> None:
    from core.testing import csrf_token

    app = make_app()
    admin = client_as(app, "admin")
    response = admin.post(
        "/admin/users/new",
        data={"email": "new@example.test", "password": "password1234", "role": "user", "active": "1",
              "csrf_token": csrf_token(admin)},
    )
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "list of common passwords" in page
    assert 'value="new@example.test"' in page, "entered data is kept"
