"""The shared fixtures themselves: departments named in client_as are created on first use;
a template database whose modules cannot install is dropped, not left behind."""

from __future__ import annotations

from pathlib import Path

import pytest
import sqlalchemy as sa

from core import testing


def test_user_in_new_department_by_name(make_app, client_as) -> None:
    app = make_app()
    c = client_as(app, "manager", department="Sales East")
    assert c.user.department_id
    c2 = client_as(app, "user", department="Sales East")
    assert c2.user.department_id == c.user.department_id


def _exists(url: str) -> bool:
    parsed = sa.make_url(url)
    if parsed.get_backend_name() == "sqlite":
        return Path(str(parsed.database)).exists()
    engine = testing._admin_engine(testing._server_url() or url)
    try:
        with engine.connect() as conn:
            return conn.execute(sa.text("SELECT 1 FROM pg_database WHERE datname = :n"),
                                {"n": parsed.database}).first() is not None
    finally:
        engine.dispose()


def test_a_template_that_cannot_be_built_is_dropped(addons, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from core.loader import ModuleError

    made: list[str] = []
    create = testing.create_database

    def remembered(*args, **kwargs) -> str:
        made.append(create(*args, **kwargs))
        return made[-1]

    monkeypatch.setattr(testing, "create_database", remembered)
    addons("specs")
    cache = testing.TemplateCache(tmp_path)
    with pytest.raises(ModuleError, match="must start with 'spec_bad_'"):
        cache.get(("spec_bad",), False)
    assert len(made) == 1
    assert not _exists(made[0])
    assert cache.urls == {}
    good = cache.get((), False)  # the cache still builds what can be built
    assert good != made[0] and _exists(good)
    cache.drop_all()
    assert not _exists(good)
