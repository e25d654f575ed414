"""The import pages: upload → columns and preview → dry run or import (a background job) → result.

Blueprint ``contacts_import`` at ``/contacts/import``; every page needs the
permission ``contacts.import`` and an upload is only ever shown to the user
who sent it (anyone else gets 404). The request never imports anything
itself: it stores the file and starts the ``contacts.import`` job, whose
page refreshes itself until the job is done.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, request, send_file, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user
from werkzeug.exceptions import RequestEntityTooLarge

from core import toolkit
from core.toolkit import _, _l
from modules.contacts import import_store
from modules.contacts.import_fields import LABELS
from modules.contacts.import_read import ENCODINGS, ImportFileError, megabytes
from modules.contacts.importer import DEDUPE, ON_ERROR, ImportOptions, custom_definitions, max_bytes, preview

bp = Blueprint("contacts_import", __name__, url_prefix="/contacts/import")
PERMISSION = "contacts.import"
#: what a multipart request adds around the file (fields, boundaries)
FORM_OVERHEAD = 64 * 1024
DELIMITER_CHOICES = (("", _l("Detect")), (",", _l("Comma (,)")), (";", _l("Semicolon (;)")),
                     ("tab", _l("Tab")), ("|", _l("Vertical bar (|)")))
DEDUPE_LABELS = {"skip": _l("Skip rows matching an existing contact"),
                 "update": _l("Update the existing contact with the row's values"),
                 "create": _l("Create a new contact anyway")}
ON_ERROR_LABELS = {"abort": _l("Import nothing if any row has an error"),
                   "skip": _l("Import the good rows, leave out rows with errors")}


@bp.url_value_preprocessor
def _limit_upload(endpoint: str | None, _values: dict[str, Any] | None) -> None:
    """Set the upload limit before anything reads the body (the CSRF check reads the form first)."""
    if endpoint == "contacts_import.upload" and request.method == "POST":
        request.max_content_length = max_bytes() + FORM_OVERHEAD


@bp.errorhandler(RequestEntityTooLarge)
def _too_large(_exc: RequestEntityTooLarge) -> ResponseReturnValue:
    limit = max_bytes()
    error = _("The file is larger than the limit of %(limit)s. Split it into smaller files.", limit=megabytes(limit))
    return render_template("contacts/import_upload.html", error=error, limit=megabytes(limit), encodings=ENCODINGS,
                           delimiters=DELIMITER_CHOICES, encoding="", delimiter=""), 413


def _upload(token: str) -> dict[str, Any]:
    meta = import_store.read_meta(token)
    if meta is None:
        abort(404)
    if meta.get("user_id") != current_user.id and not getattr(current_user, "is_admin", False):
        abort(404)
    return meta


def _targets() -> list[tuple[str, str]]:
    fields = [(key, str(label)) for key, label in LABELS.items()]
    fields += [(f"custom.{d.key}", d.label) for d in custom_definitions()]
    return fields


@bp.route("/", methods=["GET", "POST"])
@toolkit.require(PERMISSION)
def upload() -> ResponseReturnValue:
    limit = max_bytes()
    context: dict[str, Any] = {"limit": megabytes(limit), "encodings": ENCODINGS, "delimiters": DELIMITER_CHOICES,
                               "encoding": "", "delimiter": ""}
    if request.method == "GET":
        return render_template("contacts/import_upload.html", **context)
    too_big = _("The file is larger than the limit of %(limit)s. Split it into smaller files.", limit=megabytes(limit))
    # checked before the body is read (request.form would read it): a 2 GB upload never reaches the disk
    if request.content_length is not None and request.content_length > limit + FORM_OVERHEAD:
        return render_template("contacts/import_upload.html", error=too_big, **context), 413
    request.max_content_length = limit + FORM_OVERHEAD  # a body sent without a length stops there too
    try:
        sent = request.files.get("file")
        context.update(encoding=request.form.get("encoding", ""), delimiter=request.form.get("delimiter", ""))
    except RequestEntityTooLarge:
        return render_template("contacts/import_upload.html", error=too_big, **context), 413
    if sent is None or not sent.filename:
        return render_template("contacts/import_upload.html", error=_("Choose a file to import."), **context), 400
    try:
        token = import_store.save_upload(sent.stream, sent.filename, current_user.id, limit,
                                         encoding=context["encoding"] or None,
                                         delimiter=context["delimiter"] or None)
    except ImportFileError as exc:
        return render_template("contacts/import_upload.html", error=str(exc), **context), 413
    return redirect(url_for(".columns", token=token))


def _options(form: Any, meta: dict[str, Any], headers: list[str] | None = None) -> ImportOptions:
    mapping = None
    if headers is not None and form.get("mapped"):
        mapping = {header: form.get(f"map-{index}", "") for index, header in enumerate(headers)}
    return ImportOptions(
        dry_run=form.get("action") == "dry_run",
        on_error=form.get("on_error") if form.get("on_error") in ON_ERROR else "abort",
        dedupe=form.get("dedupe") if form.get("dedupe") in DEDUPE else "skip",
        encoding=(form.get("encoding") if "encoding" in form else meta.get("encoding")) or None,
        delimiter=(form.get("delimiter") if "delimiter" in form else meta.get("delimiter")) or None,
        mapping=mapping,
        filename=meta.get("filename"),
        user_id=current_user.id,
    )


@bp.route("/<token>/columns", methods=["GET", "POST"])
@toolkit.require(PERMISSION)
def columns(token: str) -> ResponseReturnValue:
    """Map the columns, see the first rows checked, then start a dry run or the import."""
    meta = _upload(token)
    form = request.form if request.method == "POST" else request.args
    opts = _options(form, meta)
    shown = preview(import_store.upload_path(token), opts)
    if request.method == "POST" and shown.error is None and form.get("mapped"):
        opts = _options(form, meta, shown.headers)
        shown = preview(import_store.upload_path(token), opts)
    starting = request.method == "POST" and form.get("action") in ("dry_run", "import")
    if starting and shown.error is None and shown.mapping_error is None:
        options = {"dry_run": opts.dry_run, "on_error": opts.on_error, "dedupe": opts.dedupe,
                   "encoding": opts.encoding, "delimiter": opts.delimiter, "mapping": shown.mapping}
        job_id = toolkit.enqueue("contacts.import", token=token, options=options)
        meta.update(job_id=job_id, encoding=opts.encoding, delimiter=opts.delimiter)
        import_store.write_meta(token, meta)
        return redirect(url_for(".status", token=token))
    status = 422 if request.method == "POST" and (shown.error or shown.mapping_error) else 200
    return render_template(
        "contacts/import_columns.html", token=token, meta=meta, preview=shown, options=opts,
        targets=_targets(), encodings=ENCODINGS, delimiters=DELIMITER_CHOICES,
        dedupe_labels=DEDUPE_LABELS, on_error_labels=ON_ERROR_LABELS,
    ), status


@bp.get("/<token>")
@toolkit.require(PERMISSION)
def status(token: str) -> ResponseReturnValue:
    """The job's progress bar, then what the import did and the rows it could not take."""
    meta = _upload(token)
    job = toolkit.job_info(meta["job_id"]) if meta.get("job_id") else None
    if job is None:
        flash(_("This import has not been started yet."), "warning")
        return redirect(url_for(".columns", token=token))
    result = import_store.read_result(token) if job["state"] == "done" else None
    if job["state"] in ("queued", "running"):
        noted = import_store.read_progress(token) or {}
        if int(noted.get("progress", 0)) > int(job["progress"] or 0):
            job = {**job, "progress": int(noted["progress"]), "message": noted.get("message") or job["message"]}
    return render_template("contacts/import_status.html", token=token, meta=meta, job=job, result=result,
                           has_errors_file=import_store.errors_path(token) is not None)


@bp.get("/<token>/errors.csv")
@toolkit.require(PERMISSION)
def errors(token: str) -> ResponseReturnValue:
    meta = _upload(token)
    path = import_store.errors_path(token)
    if path is None:
        abort(404)
    stem = meta.get("filename", "import").rsplit(".", 1)[0][:80] or "import"
    return send_file(path, mimetype="text/csv", as_attachment=True, download_name=f"{stem}-errors.csv")


def blueprints() -> list[Blueprint]:
    return [bp]
