"""Uploads kept between the steps of the import pages, and the background job that imports one.

An upload lives in ``<instance>/contacts_imports/<token>/``: the file as sent
(``upload``), ``meta.json`` (original name, who uploaded it, chosen encoding
and delimiter, the job started for it) and, once the job has run,
``result.json`` and ``errors.csv``. The token is random and the folder
belongs to the user who uploaded it: pages check ``meta["user_id"]``.
Folders older than ``CRM_CONTACTS_IMPORT_KEEP_DAYS`` (default 7) are removed
by the daily ``contacts.import_cleanup`` task.
"""

from __future__ import annotations

import json
import re
import secrets
import shutil
import time
from pathlib import Path
from typing import IO, Any

from flask import current_app

from core import toolkit
from modules.contacts.import_read import ImportFileError, too_big

_TOKEN = re.compile(r"^[A-Za-z0-9_-]{20,40}$")
_CHUNK = 1024 * 1024


def root() -> Path:
    return Path(current_app.instance_path) / "contacts_imports"


def folder(token: str) -> Path | None:
    """The upload's folder, or None for a malformed or unknown token."""
    if not _TOKEN.match(token or ""):
        return None
    path = root() / token
    return path if (path / "meta.json").is_file() else None


def safe_name(filename: str | None) -> str:
    name = Path((filename or "").replace("\\", "/")).name.strip()
    name = re.sub(r"[\x00-\x1f\x7f]", "", name)[:200]
    return name or "upload"


def save_upload(stream: IO[bytes], filename: str | None, user_id: int | None, limit: int,
                **meta: Any) -> str:
    """Copy ``stream`` into a new upload folder, stopping at ``limit`` bytes; returns the token."""
    token = secrets.token_urlsafe(18)
    path = root() / token
    path.mkdir(parents=True, exist_ok=False)
    size = 0
    try:
        with (path / "upload").open("wb") as out:
            while chunk := stream.read(_CHUNK):
                size += len(chunk)
                if size > limit:
                    raise too_big(limit)
                out.write(chunk)
    except ImportFileError:
        shutil.rmtree(path, ignore_errors=True)
        raise
    write_meta(token, {"filename": safe_name(filename), "user_id": user_id, "size": size,
                       "created": time.time(), **meta})
    return token


def read_meta(token: str) -> dict[str, Any] | None:
    path = folder(token)
    if path is None:
        return None
    return json.loads((path / "meta.json").read_text(encoding="utf-8"))


def write_meta(token: str, meta: dict[str, Any]) -> None:
    path = root() / token
    temp = path / "meta.json.tmp"
    temp.write_text(json.dumps(meta), encoding="utf-8")
    temp.replace(path / "meta.json")


def upload_path(token: str) -> Path:
    return root() / token / "upload"


def read_result(token: str) -> dict[str, Any] | None:
    path = folder(token)
    if path is None or not (path / "result.json").is_file():
        return None
    return json.loads((path / "result.json").read_text(encoding="utf-8"))


def errors_path(token: str) -> Path | None:
    path = folder(token)
    return path / "errors.csv" if path is not None and (path / "errors.csv").is_file() else None


# -- the background job ---------------------------------------------------------------------------

#: options a page may pass to the job (everything else comes from the upload's meta)
JOB_OPTIONS = ("dry_run", "on_error", "dedupe", "encoding", "delimiter", "mapping")


def run_import_job(token: str, options: dict[str, Any], progress: Any = None) -> dict[str, Any]:
    """Task ``contacts.import``: import the upload ``token``; the result is kept beside it.

    Messages are in the language of the user who started the import. The job
    runner commits the import together with the job's "done" state.
    """
    from flask_babel import force_locale

    from modules.contacts.importer import ImportOptions, import_file

    meta = read_meta(token)
    if meta is None:
        raise LookupError(f"import upload {token} is gone")
    user_id = meta.get("user_id")
    user = toolkit.db.session.get(toolkit.User, user_id) if user_id is not None else None
    opts = ImportOptions(**{k: v for k, v in options.items() if k in JOB_OPTIONS}, user_id=user_id,
                         filename=meta.get("filename"), progress=Reporter(token, progress))
    with force_locale(getattr(user, "locale", None) or "en"):
        result = import_file(upload_path(token), opts)
        summary = result.summary(max_errors=1000)
        summary["message"] = result.message()
    path = root() / token
    (path / "result.json").write_text(json.dumps(summary, default=str), encoding="utf-8")
    (path / "errors.csv").write_text("\ufeff" + result.errors_csv(), encoding="utf-8")
    short = result.summary(max_errors=20)
    short["message"] = summary["message"]
    return short


class Reporter:
    """Progress of an import: into ``progress.json`` beside the upload, and to the job where that is safe.

    On SQLite the job's own progress is written on a second connection; while
    the import holds the write lock that write waits and is dropped (slowing
    the import), and during a dry run it makes the import's read snapshot
    stale so that the job's final "done" cannot be written. So on SQLite the
    import page reads the file, and the job page shows 100 % once done.
    """

    EVERY = 0.25

    def __init__(self, token: str, job_progress: Any = None) -> None:
        self.path = root() / token / "progress.json"
        self.job_progress = job_progress
        self.sqlite = toolkit.db.session.get_bind().dialect.name == "sqlite"
        self.last = 0.0

    def __call__(self, pct: float, message: str = "") -> None:
        now = time.monotonic()
        if now - self.last < self.EVERY and pct < 100:
            return
        self.last = now
        temp = self.path.with_suffix(".tmp")
        temp.write_text(json.dumps({"progress": int(pct), "message": str(message)}), encoding="utf-8")
        temp.replace(self.path)
        if self.job_progress is not None and not self.sqlite:
            self.job_progress(pct, message)


def read_progress(token: str) -> dict[str, Any] | None:
    path = folder(token)
    if path is None or not (path / "progress.json").is_file():
        return None
    try:
        return json.loads((path / "progress.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def cleanup(days: float | None = None) -> int:
    """Task ``contacts.import_cleanup``: remove upload folders older than ``days``; returns how many."""
    keep = float(days if days is not None else current_app.config.get("CRM_CONTACTS_IMPORT_KEEP_DAYS", 7))
    limit = time.time() - keep * 86400
    removed = 0
    base = root()
    if not base.is_dir():
        return 0
    for path in base.iterdir():
        meta = path / "meta.json"
        stamp = meta.stat().st_mtime if meta.is_file() else path.stat().st_mtime
        if stamp < limit:
            shutil.rmtree(path, ignore_errors=True)
            removed += 1
    return removed
