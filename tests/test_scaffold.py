"""``crm module new`` writes a module a newcomer can install and test straight away.

The generated project is really built and installed by pip (a wheel, into a
folder of its own given to the child processes on ``PYTHONPATH``, so the
shared virtualenv is never touched), then found through its ``crm.modules``
entry point, and its own tests are run in a separate pytest process.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import Result

from core.manifest import parse_manifest

NAME = "scaffolded"
BIN = Path(sys.executable).parent


def _env(site: Path, **extra: str) -> dict[str, str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(site), env.get("PYTHONPATH", "")]))
    env["PIP_DISABLE_PIP_VERSION_CHECK"] = "1"
    env["PIP_NO_INDEX"] = "1"
    env.pop("CRM_ADDONS_PATH", None)
    env.update(extra)
    return env


def _run(args: list[str], *, cwd: Path, env: dict[str, str], timeout: float = 300) -> subprocess.CompletedProcess[str]:
    return subprocess.run(args, cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout)


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """Generate the module and pip-install it into its own site folder; return (project, site)."""
    from core.scaffold import generate

    root = tmp_path_factory.mktemp("scaffold")
    project = generate(NAME, root)
    site = root / "site"
    result = _run(
        [str(BIN / "python"), "-m", "pip", "install", "-q", "--no-deps", "--no-build-isolation",
         "--target", str(site), str(project)],
        cwd=root, env=_env(site),
    )
    assert result.returncode == 0, result.stdout + result.stderr
    return project, site


def test_generated_module_has_the_promised_layout(installed: tuple[Path, Path]) -> None:
    project, site = installed
    pkg = project / f"crm_{NAME}"
    for rel in ("setup.cfg", "pyproject.toml", "README.md", f"tests/test_{NAME}.py"):
        assert (project / rel).is_file(), rel
    for rel in ("manifest.toml", "plugin.py", "models.py", "views.py", "schemas.py", "security.toml",
                f"migrations/versions/{NAME}_0001.py", f"templates/{NAME}/items.html"):
        assert (pkg / rel).is_file(), rel
    manifest = parse_manifest((pkg / "manifest.toml").read_text(), "generated manifest")
    assert manifest["name"] == NAME
    # the wheel carries the data files a module needs at run time, not only the Python code
    for rel in ("manifest.toml", "security.toml", f"migrations/versions/{NAME}_0001.py", f"templates/{NAME}/items.html"):
        assert (site / f"crm_{NAME}" / rel).is_file(), f"{rel} is missing from the built package"


def test_generated_module_is_found_through_its_entry_point(installed: tuple[Path, Path], tmp_path: Path) -> None:
    project, site = installed
    env = _env(site, CRM_DATABASE_URL=f"sqlite:///{tmp_path / 'crm.sqlite3'}", CRM_INSTANCE_PATH=str(tmp_path),
               CRM_SECRET_KEY="test-secret-key-not-for-production")
    result = _run([str(BIN / "crm"), "modules", "list", "--json"], cwd=tmp_path, env=env)
    assert result.returncode == 0, result.stderr
    rows = {row["name"]: row for row in json.loads(result.stdout)}
    assert rows[NAME]["origin"] == "entry-point"
    assert rows[NAME]["state"] == "available"


def test_generated_tests_pass(installed: tuple[Path, Path], tmp_path: Path) -> None:
    project, site = installed
    result = _run(
        [str(BIN / "python"), "-m", "pytest", "-q", "-p", "no:cacheprovider", str(project / "tests")],
        cwd=tmp_path, env=_env(site),
    )
    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    assert " passed" in output and "failed" not in output and "skipped" not in output, output


@pytest.mark.skipif(shutil.which("ruff", path=str(BIN)) is None, reason="ruff comes with the test extra")
def test_generated_code_is_lint_clean(installed: tuple[Path, Path]) -> None:
    project, _site = installed
    shutil.rmtree(project / "build", ignore_errors=True)
    result = subprocess.run(
        [str(BIN / "ruff"), "check", "--isolated", "--select", "E,F,W,I,B,UP", "--ignore", "E501",
         "--target-version", "py311", "."],
        cwd=project, capture_output=True, text=True,
    )
    assert result.returncode == 0, result.stdout


@pytest.mark.parametrize(
    ("name", "message"),
    [("Bad-Name", "invalid module name 'Bad-Name'"), ("x", "invalid module name 'x'"),
     ("core", "reserved by core")],
)
def test_bad_names_are_refused(crm_cli: Callable[..., Result], tmp_path: Path, name: str, message: str) -> None:
    result = crm_cli("module", "new", name, "--path", str(tmp_path / "out"))
    assert result.exit_code == 1
    assert message in result.output
    assert not (tmp_path / "out").exists()


def test_existing_folder_is_left_alone(crm_cli: Callable[..., Result], tmp_path: Path) -> None:
    (tmp_path / f"crm_{NAME}").mkdir()
    (tmp_path / f"crm_{NAME}" / "mine.txt").write_text("keep me")
    result = crm_cli("module", "new", NAME, "--path", str(tmp_path))
    assert result.exit_code == 1
    assert "already exists" in result.output
    assert [p.name for p in (tmp_path / f"crm_{NAME}").iterdir()] == ["mine.txt"]
