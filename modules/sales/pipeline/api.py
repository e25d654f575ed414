"""REST resources ``/api/v1/pipelines`` (with their stages), ``/api/v1/opportunities``, ``/api/v1/quotas``
and ``/api/v1/sales-records``, served by core from these declarations.

The schemas are the forms' schemas, so the API refuses what the pages refuse
with the same message on the same field (422): a stage of another pipeline, moving a
closed opportunity, a lost stage without a reason, a quota for both a person and
a team. A PATCH of ``stage_id`` is a move exactly as on the kanban: stage history,
status won/lost with ``closed_at``, and the ``opportunity.won``/``opportunity.lost`` events.
"""

from __future__ import annotations

from typing import Any

from core import toolkit
from modules.sales.pipeline import schemas, services
from modules.sales.pipeline.models import Opportunity, Pipeline, Quota, SalesRecord


def _quota_target(record: Quota, data: dict[str, Any], creating: bool) -> None:
    """A new quota is for exactly whom the client named (not for the caller by default)."""
    if creating:
        record.user_id = data.get("user_id")
        record.department_id = data.get("department_id")


def api_resources() -> list[toolkit.ApiResource]:
    return [
        toolkit.ApiResource(
            path="pipelines", model=Pipeline, schema=schemas.PipelineSchema, object="sales.pipeline",
            sortable=("id", "name", "sequence"), filterable=("active", "currency"), searchable=("name",),
        ),
        toolkit.ApiResource(
            path="opportunities", model=Opportunity, schema=schemas.OpportunitySchema, object="sales.opportunity",
            sortable=("id", "name", "amount", "expected_close", "updated_at", "created_at", "closed_at"),
            filterable=("pipeline_id", "stage_id", "status", "owner_id", "department_id", "company_id",
                        "contact_id", "channel", "expected_close"),
            searchable=("name",), ranges=("expected_close", "amount", "closed_at"),
            prepare=services.prepare_opportunity,
        ),
        toolkit.ApiResource(
            path="quotas", model=Quota, schema=schemas.QuotaSchema, object="sales.quota",
            sortable=("id", "period_start", "amount"), filterable=("user_id", "department_id", "period_start"),
            prepare=_quota_target,
        ),
        toolkit.ApiResource(
            path="sales-records", name="sales_records", model=SalesRecord, schema=schemas.SalesRecordSchema,
            object="sales.sales_record", sortable=("id", "sold_on", "amount", "updated_at"),
            filterable=("owner_id", "company_id", "contact_id", "sold_on", "order_ref"), searchable=("notes",),
            ranges=("sold_on",),
        ),
    ]
