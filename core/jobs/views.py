"""``/jobs``: the jobs a user started, with a progress bar that refreshes itself.

The page is plain HTML: a ``<progress>`` element and, while the job is not
finished, ``<meta http-equiv="refresh">`` so it updates without JavaScript.
``/jobs/<id>.json`` gives the same for scripts. Users see their own jobs;
admins see everyone's; anyone else's job answers 404.
"""

from __future__ import annotations

import sqlalchemy as sa
from flask import Blueprint, abort, jsonify, render_template, request
from flask.typing import ResponseReturnValue
from flask_login import current_user

from core.extensions import db
from core.jobs.models import Job
from core.security.access import AUTHENTICATED, require

bp = Blueprint("core_jobs", __name__, url_prefix="/jobs")
PAGE = 50


def _visible(query: sa.Select) -> sa.Select:
    if getattr(current_user, "is_admin", False):
        return query
    return query.where(Job.user_id == current_user.id)


def _job_or_404(job_id: int) -> Job:
    job = db.session.scalars(_visible(sa.select(Job).where(Job.id == job_id))).first()
    if job is None:
        abort(404)
    return job


@bp.get("")
@require(AUTHENTICATED)
def index() -> ResponseReturnValue:
    query = _visible(sa.select(Job))
    before = request.args.get("before", type=int)
    if before:
        query = query.where(Job.id < before)
    jobs = db.session.scalars(query.order_by(Job.id.desc()).limit(PAGE + 1)).all()
    more = len(jobs) > PAGE
    jobs = jobs[:PAGE]
    running = any(not job.finished for job in jobs)
    return render_template("core/jobs.html", jobs=jobs, more=more, running=running)


@bp.get("/<int:job_id>")
@require(AUTHENTICATED)
def detail(job_id: int) -> ResponseReturnValue:
    return render_template("core/jobs_detail.html", job=_job_or_404(job_id))


@bp.get("/<int:job_id>.json")
@require(AUTHENTICATED)
def detail_json(job_id: int) -> ResponseReturnValue:
    return jsonify(_job_or_404(job_id).as_dict())
