"""Done-when check of the REST API: schemathesis against a live server finds no server error.

A real server process (Werkzeug's threaded server on 127.0.0.1 and a free
port) serves a fresh database with the API test modules installed. The test
loads ``/api/v1/openapi.json`` over HTTP and lets schemathesis generate
requests for every operation (valid and invalid data), sent with an admin's
token so they reach the handlers. No response may be a 5xx.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from typing import Any

import pytest
import requests
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from test_api_support import API_ADDONS, add_user

from core.testing import TemplateCache, base_config, create_database, drop_database, live_server_process

MODULES = ("apitest", "notebook")
#: examples per operation; 12 operations, so a few hundred requests (~10 s). Set
#: CRM_FUZZ_EXAMPLES for a longer, randomized hunt (the default run is derandomized).
EXAMPLES = int(os.environ.get("CRM_FUZZ_EXAMPLES", "30"))
DERANDOMIZE = "CRM_FUZZ_EXAMPLES" not in os.environ

@pytest.fixture(scope="module")
def live_server(tmp_path_factory: pytest.TempPathFactory, crm_template_cache: TemplateCache) -> Iterator[dict[str, Any]]:
    """(base URL, admin token) of a server process on a fresh database."""
    folder = tmp_path_factory.mktemp("live")
    addons = os.pathsep.join(str(p) for p in API_ADDONS if p.is_dir())
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("CRM_ADDONS_PATH", addons)
        url = create_database(crm_template_cache.get(MODULES, False), folder=folder)
        from core.app import create_app
        from core.testing import dispose

        config = {**base_config(url, folder), "TESTING": False}
        app = create_app(config)
        _uid, token = add_user(app, "fuzz@example.org", "admin")
        dispose(app)
    env = {**os.environ, "CRM_ADDONS_PATH": addons}
    try:
        with live_server_process(config, folder, env=env) as base:
            assert requests.get(f"{base}/api/v1/me", headers={"Authorization": f"Bearer {token}"}, timeout=10).ok
            yield {"base": base, "token": token}
    finally:
        drop_database(url)


@pytest.fixture(scope="module")
def api_schema(live_server: dict[str, Any]) -> Any:
    return schemathesis.openapi.from_url(f"{live_server['base']}/api/v1/openapi.json", wait_for_schema=10)


def run_operation(operation: Any, live: dict[str, Any]) -> None:
    """Valid and invalid requests for one operation (Hypothesis shrinks a failure to its simplest case)."""
    strategy = st.one_of(
        operation.as_strategy(generation_mode=GenerationMode.POSITIVE),
        operation.as_strategy(generation_mode=GenerationMode.NEGATIVE),
    )

    @given(case=strategy)
    @settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck), derandomize=DERANDOMIZE,
              database=None)
    def check(case: Any) -> None:
        case.call_and_validate(
            base_url=live["base"],
            headers={"Authorization": f"Bearer {live['token']}"},
            checks=[not_a_server_error],
            timeout=10,
        )

    check()


def test_no_server_errors(api_schema: Any, live_server: dict[str, Any]) -> None:
    # schemathesis' own pytest loader (from_fixture) trips over pytest 9, so we drive Hypothesis directly
    failures: dict[str, str] = {}
    labels = []
    for result in api_schema.get_all_operations():
        operation = result.ok()
        labels.append(operation.label)
        try:
            run_operation(operation, live_server)
        except Exception as exc:  # noqa: BLE001 - every operation is tried; failures are listed below
            failures[operation.label] = f"{type(exc).__name__}: {exc}"[:2000]
    assert len(labels) >= 11, labels
    assert not failures, "\n\n".join(f"{label}\n{text}" for label, text in failures.items())
