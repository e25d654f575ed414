"""Customer data: companies, people, consent, tags, interactions, tasks, segments.

Searchable text is also stored normalised (``*_key`` columns: lower-case
names, lower-case e-mail, E.164 phone) so prefix search and duplicate
detection use plain b-tree indexes at a million rows on SQLite and PostgreSQL.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy.orm import declared_attr, validates

from core import toolkit
from core.toolkit import Mapped, RecordMixin, mapped_column, relationship, sa
from modules.contacts.normalize import person_name

db = toolkit.db


KEY_COLUMNS = ("name_key", "email_key", "phone_key")


def _key_indexes(table: str, then: tuple[str, ...] = ("updated_at", "id")) -> tuple[sa.Index, ...]:
    """One index per normalised key: serves exact lookups (dedupe, import) and the lists'
    prefix search alike (``toolkit.key_search_index``; byte order on PostgreSQL). ``then``:
    the list's sort key and id after the key, so a search finds its page's ids in the index
    alone (companies); people have the key alone, see ``Contact``."""
    return tuple(sa.Index(f"ix_{table}_{column}", column, *then, postgresql_ops={column: "text_pattern_ops"},
                          postgresql_include=[] if then else ["id"])
                 for column in KEY_COLUMNS)


def _todo_index(table: str) -> sa.Index:
    """Rows whose completeness is not computed yet (partial: empty once the task caught up)."""
    return sa.Index(f"ix_{table}_completeness_todo", "id", sqlite_where=sa.text("completeness IS NULL"),
                    postgresql_where=sa.text("completeness IS NULL"))


class ProfileMixin:
    """Profile fields companies and people share."""

    email: Mapped[str | None] = mapped_column(sa.String(254))
    email_key: Mapped[str | None] = mapped_column(sa.String(254))
    phone: Mapped[str | None] = mapped_column(sa.String(32))
    phone_key: Mapped[str | None] = mapped_column(sa.String(32))
    mobile: Mapped[str | None] = mapped_column(sa.String(32))
    street: Mapped[str | None] = mapped_column(sa.String(200))
    city: Mapped[str | None] = mapped_column(sa.String(100))
    region: Mapped[str | None] = mapped_column(sa.String(100))
    postal_code: Mapped[str | None] = mapped_column(sa.String(20))
    country: Mapped[str | None] = mapped_column(sa.String(2))
    source_channel: Mapped[str | None] = mapped_column(sa.String(20))
    tier: Mapped[str] = mapped_column(sa.String(20), default="standard")
    lifecycle_stage: Mapped[str] = mapped_column(sa.String(20), default="prospect")
    risk_rating: Mapped[str | None] = mapped_column(sa.String(10))
    preferred_channel: Mapped[str | None] = mapped_column(sa.String(10))
    interests: Mapped[str | None] = mapped_column(sa.String(1000))
    habits: Mapped[str | None] = mapped_column(sa.String(1000))
    notes: Mapped[str | None] = mapped_column(sa.Text)
    annual_spend: Mapped[Decimal | None] = mapped_column(sa.Numeric(14, 2))
    last_interaction_at: Mapped[datetime | None] = mapped_column(sa.DateTime)
    custom: Mapped[dict[str, Any]] = mapped_column(sa.JSON, default=dict)
    #: profile completeness in percent (reports.completeness), kept on save; NULL until computed
    #: for rows written in bulk (the contacts.refresh_completeness task fills those in)
    completeness: Mapped[int | None] = mapped_column(sa.SmallInteger)

    @declared_attr
    def owner(cls) -> Mapped[Any]:  # noqa: N805
        """For the lists' "Owner" column (joined into the page query, never loaded row by row)."""
        return relationship(lambda: toolkit.User, lazy="raise", viewonly=True)

    @validates("custom")
    def _merge_custom_patch(self, _key: str, value: Any) -> dict[str, Any]:
        """A ``CustomPatch`` (API PATCH) merges into the stored values; anything else replaces them."""
        from modules.contacts.custom_fields import CustomPatch, merged

        if isinstance(value, CustomPatch):
            return merged(self.custom, value)
        return dict(value or {})

    @property
    def tags(self) -> list[str]:
        """Tag names, sorted; the ``tag_items`` rows are loaded with the record (one query per batch)."""
        return sorted(tag.name for tag in self.tag_items)  # type: ignore[attr-defined]

    @tags.setter
    def tags(self, names: list[str] | None) -> None:
        rows = tag_rows(names or [])
        if {t.name for t in rows} != set(self.tags):
            self.tag_items = rows  # type: ignore[attr-defined]
            self.updated_at = toolkit.utcnow()  # a change of the record: new version, "updated" event


class Company(ProfileMixin, RecordMixin, db.Model):
    __tablename__ = "contacts_company"
    __table_args__ = (
        sa.Index("ix_contacts_company_updated", "updated_at", "id"),
        _todo_index("contacts_company"),
        *_key_indexes("contacts_company"),
    )

    name: Mapped[str] = mapped_column(sa.String(200))
    name_key: Mapped[str] = mapped_column(sa.String(200))
    type: Mapped[str] = mapped_column(sa.String(20), default="customer")
    website: Mapped[str | None] = mapped_column(sa.String(200))
    industry: Mapped[str | None] = mapped_column(sa.String(100))

    # targets are module-qualified: class names are only unique within a module
    contacts: Mapped[list[Contact]] = relationship(
        "modules.contacts.models.Contact", back_populates="company", lazy="raise"
    )
    tag_items: Mapped[list[Tag]] = relationship(
        "modules.contacts.models.Tag", secondary="contacts_company_tag", lazy="selectin",
        order_by="modules.contacts.models.Tag.name",
    )

    def __str__(self) -> str:
        return self.name


class Contact(ProfileMixin, RecordMixin, db.Model):
    """A person: a customer in their own right or someone at a company."""

    __tablename__ = "contacts_contact"
    __table_args__ = (
        sa.Index("ix_contacts_contact_updated", "updated_at", "id"),
        sa.Index("ix_contacts_contact_stage_updated", "lifecycle_stage", "updated_at", "id"),
        # a seller's own list: lifecycle_stage last (after the unique id, so the sort is
        # unchanged) lets its stage filter count from the index alone (contacts_0009)
        sa.Index("ix_contacts_contact_owner_updated", "owner_id", "updated_at", "id", "lifecycle_stage"),
        # dashboard (new per month, contacted lately) and segments on the last interaction
        sa.Index("ix_contacts_contact_created", "created_at"),
        # partial: a new or imported person has no interaction yet and often no company,
        # and costs these indexes nothing (``x = ?`` and ``x >= ?`` imply ``x IS NOT NULL``)
        sa.Index("ix_contacts_contact_last_interaction", "last_interaction_at",
                 sqlite_where=sa.text("last_interaction_at IS NOT NULL"),
                 postgresql_where=sa.text("last_interaction_at IS NOT NULL")),
        sa.Index("ix_contacts_contact_company_id", "company_id", sqlite_where=sa.text("company_id IS NOT NULL"),
                 postgresql_where=sa.text("company_id IS NOT NULL")),
        _todo_index("contacts_contact"),
        # dashboard counts per value for readers who see everything: index-only scans on
        # SQLite (reports._index_scans); PostgreSQL counts in one pass over the table and
        # has no use for them, so they are not kept up there on every insert
        *(sa.Index(f"ix_contacts_contact_{name}", column).ddl_if(dialect="sqlite")
          for name, column in (("tier", "tier"), ("source", "source_channel"), ("country", "country"),
                               ("completeness", "completeness"))),
        # the key alone (no sort key after it): every import writes a million-row
        # table's key indexes at random places, and smaller entries make that about a
        # third cheaper (contacts_0008); a searched page reads its matches' rows to sort
        # them (ListView._ids_first), a dense search walks the sort index
        *_key_indexes("contacts_contact", then=()),
    )

    #: no index of its own: ix_contacts_contact_owner_updated starts with it (one index fewer
    #: to keep up on every insert of an import)
    owner_id: Mapped[int | None] = mapped_column(sa.ForeignKey("core_user.id", ondelete="SET NULL"), nullable=True)

    first_name: Mapped[str | None] = mapped_column(sa.String(100))
    last_name: Mapped[str] = mapped_column(sa.String(100))
    name_key: Mapped[str] = mapped_column(sa.String(201))
    company_id: Mapped[int | None] = mapped_column(sa.ForeignKey("contacts_company.id", ondelete="SET NULL"))
    position: Mapped[str | None] = mapped_column(sa.String(100))
    birthday: Mapped[date | None] = mapped_column(sa.Date)
    gender: Mapped[str | None] = mapped_column(sa.String(10))
    age_group: Mapped[str | None] = mapped_column(sa.String(10))

    company: Mapped[Company | None] = relationship(
        "modules.contacts.models.Company", back_populates="contacts", lazy="raise"
    )
    tag_items: Mapped[list[Tag]] = relationship(
        "modules.contacts.models.Tag", secondary="contacts_contact_tag", lazy="selectin",
        order_by="modules.contacts.models.Tag.name",
    )
    #: consent history in the order it was recorded; the last row per channel is the current state
    #: (even when it is back-dated: it is the latest thing we were told)
    consents: Mapped[list[Consent]] = relationship(
        "modules.contacts.models.Consent", back_populates="contact", lazy="selectin",
        cascade="all, delete-orphan", passive_deletes=True, order_by="modules.contacts.models.Consent.id",
    )

    @property
    def name(self) -> str:
        return person_name(self.first_name, self.last_name)

    def __str__(self) -> str:
        return self.name

    @property
    def consent(self) -> dict[str, dict[str, Any]]:
        """Current consent per channel: ``{"email": {"granted": True, "at": ..., "source": "..."}}``."""
        current: dict[str, dict[str, Any]] = {}
        for row in self.consents:
            current[row.channel] = {"granted": row.granted, "at": row.at, "source": row.source}
        return current

    @consent.setter
    def consent(self, changes: dict[str, dict[str, Any]] | None) -> None:
        """Record a ``Consent`` row for each channel whose state changes (unchanged channels add nothing)."""
        current = self.consent
        for channel, change in (changes or {}).items():
            granted = change.get("granted")
            if granted is None:
                continue
            before = current.get(channel)
            if before is not None and before["granted"] == bool(granted):
                continue
            self.consents.append(Consent(
                channel=channel, granted=bool(granted), at=change.get("at") or toolkit.utcnow(),
                source=(change.get("source") or "")[:100] or "unspecified",
            ))
            self.updated_at = toolkit.utcnow()


class Consent(db.Model):
    """Consent per channel with when and where it was given or withdrawn (latest row wins)."""

    __tablename__ = "contacts_consent"

    id: Mapped[int] = mapped_column(primary_key=True)
    contact_id: Mapped[int] = mapped_column(sa.ForeignKey("contacts_contact.id", ondelete="CASCADE"), index=True)
    channel: Mapped[str] = mapped_column(sa.String(10))
    granted: Mapped[bool] = mapped_column(sa.Boolean)
    at: Mapped[datetime] = mapped_column(sa.DateTime, default=toolkit.utcnow)
    source: Mapped[str] = mapped_column(sa.String(100))

    contact: Mapped[Contact] = relationship(
        "modules.contacts.models.Contact", back_populates="consents", lazy="raise"
    )


class Tag(db.Model):
    __tablename__ = "contacts_tag"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(50), unique=True)


class ContactTag(db.Model):
    __tablename__ = "contacts_contact_tag"

    contact_id: Mapped[int] = mapped_column(sa.ForeignKey("contacts_contact.id", ondelete="CASCADE"), primary_key=True)
    tag_id: Mapped[int] = mapped_column(sa.ForeignKey("contacts_tag.id", ondelete="CASCADE"), primary_key=True, index=True)


class CompanyTag(db.Model):
    __tablename__ = "contacts_company_tag"

    company_id: Mapped[int] = mapped_column(sa.ForeignKey("contacts_company.id", ondelete="CASCADE"), primary_key=True)
    tag_id: Mapped[int] = mapped_column(sa.ForeignKey("contacts_tag.id", ondelete="CASCADE"), primary_key=True, index=True)


class CustomField(db.Model):
    """A field an administrator adds to companies or contacts."""

    __tablename__ = "contacts_custom_field"
    __table_args__ = (sa.UniqueConstraint("object", "key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    object: Mapped[str] = mapped_column(sa.String(20))  # "contact" or "company"
    key: Mapped[str] = mapped_column(sa.String(40))
    label: Mapped[str] = mapped_column(sa.String(100))
    type: Mapped[str] = mapped_column(sa.String(10))
    required: Mapped[bool] = mapped_column(sa.Boolean, default=False)
    unique: Mapped[bool] = mapped_column(sa.Boolean, default=False)
    choices: Mapped[list[str]] = mapped_column(sa.JSON, default=list)
    position: Mapped[int] = mapped_column(sa.Integer, default=100)


class Assignment(db.Model):
    """Who a customer was transferred from and to, by whom and why (kept forever)."""

    __tablename__ = "contacts_assignment"

    id: Mapped[int] = mapped_column(primary_key=True)
    object: Mapped[str] = mapped_column(sa.String(20))
    record_id: Mapped[int] = mapped_column(sa.Integer, index=True)
    from_user_id: Mapped[int | None] = mapped_column(sa.Integer)
    to_user_id: Mapped[int | None] = mapped_column(sa.Integer)
    from_department_id: Mapped[int | None] = mapped_column(sa.Integer)
    to_department_id: Mapped[int | None] = mapped_column(sa.Integer)
    by_user_id: Mapped[int | None] = mapped_column(sa.Integer)
    at: Mapped[datetime] = mapped_column(sa.DateTime, default=toolkit.utcnow)
    reason: Mapped[str | None] = mapped_column(sa.String(200))


class Interaction(RecordMixin, db.Model):
    """A call, e-mail, meeting, visit, fax, chat or SMS with a customer."""

    __tablename__ = "contacts_interaction"
    __table_args__ = (
        sa.Index("ix_contacts_interaction_contact_at", "contact_id", "occurred_at"),
        sa.Index("ix_contacts_interaction_company_at", "company_id", "occurred_at"),
        sa.Index("ix_contacts_interaction_at", "occurred_at"),
    )

    contact_id: Mapped[int | None] = mapped_column(sa.ForeignKey("contacts_contact.id", ondelete="CASCADE"))
    company_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("contacts_company.id", ondelete="CASCADE"), index=True
    )
    channel: Mapped[str] = mapped_column(sa.String(10))
    direction: Mapped[str] = mapped_column(sa.String(10), default="outbound")
    occurred_at: Mapped[datetime] = mapped_column(sa.DateTime, default=toolkit.utcnow)
    summary: Mapped[str] = mapped_column(sa.String(500))
    outcome: Mapped[str | None] = mapped_column(sa.String(500))

    # read-only links for list columns (joined into the page query, never loaded row by row)
    contact: Mapped[Contact | None] = relationship("modules.contacts.models.Contact", lazy="raise", viewonly=True)
    company: Mapped[Company | None] = relationship("modules.contacts.models.Company", lazy="raise", viewonly=True)


class Task(RecordMixin, db.Model):
    """A follow-up with a due date and an optional reminder."""

    __tablename__ = "contacts_task"
    __table_args__ = (
        sa.Index("ix_contacts_task_owner_due", "owner_id", "done_at", "due_at"),
        # reminders still to send: a small partial index, however many were sent before
        sa.Index("ix_contacts_task_reminder_todo", "remind_at",
                 sqlite_where=sa.text("reminded_at IS NULL AND done_at IS NULL"),
                 postgresql_where=sa.text("reminded_at IS NULL AND done_at IS NULL")),
    )

    contact_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("contacts_contact.id", ondelete="CASCADE"), index=True
    )
    company_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("contacts_company.id", ondelete="CASCADE"), index=True
    )
    title: Mapped[str] = mapped_column(sa.String(200))
    notes: Mapped[str | None] = mapped_column(sa.Text)
    priority: Mapped[str] = mapped_column(sa.String(10), default="normal")
    due_at: Mapped[datetime] = mapped_column(sa.DateTime)
    remind_at: Mapped[datetime | None] = mapped_column(sa.DateTime, index=True)
    reminded_at: Mapped[datetime | None] = mapped_column(sa.DateTime)
    done_at: Mapped[datetime | None] = mapped_column(sa.DateTime)

    contact: Mapped[Contact | None] = relationship("modules.contacts.models.Contact", lazy="raise", viewonly=True)
    company: Mapped[Company | None] = relationship("modules.contacts.models.Company", lazy="raise", viewonly=True)


class Segment(RecordMixin, db.Model):
    """A saved, dynamic group of customers defined by filters."""

    __tablename__ = "contacts_segment"

    name: Mapped[str] = mapped_column(sa.String(100))
    object: Mapped[str] = mapped_column(sa.String(20), default="contact")
    description: Mapped[str | None] = mapped_column(sa.String(500))
    filters: Mapped[list[dict[str, Any]]] = mapped_column(sa.JSON, default=list)


class CalendarFeed(db.Model):
    """A user's secret address for subscribing to their tasks from a calendar app.

    Only the SHA-256 of the token is stored; making a new address or turning
    the feed off replaces or deletes the row, so an old address stops working.
    """

    __tablename__ = "contacts_calendar_feed"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("core_user.id", ondelete="CASCADE"), unique=True)
    token_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(sa.DateTime, default=toolkit.utcnow)


def tag_rows(names: list[str]) -> list[Tag]:
    """The ``Tag`` rows for ``names`` (blank and repeated names dropped), creating missing ones."""
    wanted = list(dict.fromkeys(n.strip() for n in names if n and n.strip()))
    if not wanted:
        return []
    session = db.session
    with session.no_autoflush:
        found = {t.name: t for t in session.scalars(sa.select(Tag).where(Tag.name.in_(wanted)))}
    for pending in session.new:
        if isinstance(pending, Tag) and pending.name in wanted:
            found.setdefault(pending.name, pending)
    for name in wanted:
        if name not in found:
            found[name] = Tag(name=name)
            session.add(found[name])
    return [found[name] for name in wanted]


def _register_listeners() -> None:
    """Normalised keys, domain events and ownership history follow every ORM write (see listeners.py)."""
    from modules.contacts import listeners

    listeners.register(Company, Contact)


_register_listeners()
