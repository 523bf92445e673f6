"""Content: articles and nutrient pages, their inlines, and which references they cite.

Articles and nutrients share everything a published page needs through the abstract
``Document``; each adds only its own structured sections. Markdown is rendered to sanitised
HTML in ``save()`` (cheap, cached); citation numbers are applied per request from the
``Citation`` rows, which ``cramps.citing.citations_sync`` writes whenever a document or one of
its inlines is saved (see ``cramps.receivers``).
"""

import re
from datetime import datetime

from django.conf import settings
from django.contrib.contenttypes.fields import GenericForeignKey, GenericRelation
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.text import capfirst, slugify
from taggit.models import TaggedItem

from references.citations import cited_keys
from references.models import Reference

from . import signals
from .markdown import render_inline, render_markdown
from .tags import Tags
from .validators import validate_markdown

WORDS_PER_MINUTE = 200


class Status(models.TextChoices):
    DRAFT = "draft", "Draft"
    REVIEW = "review", "In review"
    PUBLISHED = "published", "Published"


def permission_name(model: type[models.Model], action: str) -> str:
    """``"cramps.publish_article"`` for (Article, "publish"): the name ``user.has_perm`` takes."""
    return f"{model._meta.app_label}.{action}_{model._meta.model_name}"


def may_preview(user, model: type[models.Model]) -> bool:
    """Staff who may view (or change) this kind of page in the admin also see it before it is public."""
    return bool(
        user is not None
        and user.is_active
        and user.is_staff
        and (user.has_perm(permission_name(model, "view")) or user.has_perm(permission_name(model, "change")))
    )


class DocumentQuerySet(models.QuerySet):
    """The one place that decides what the public may see."""

    def published(self, now: datetime | None = None) -> "DocumentQuerySet":
        """Public ``now`` (by default, at this moment)."""
        now = timezone.now() if now is None else now
        return self.filter(Q(status=Status.PUBLISHED) & (Q(publish_at__isnull=True) | Q(publish_at__lte=now)))

    def visible_to(self, user) -> "DocumentQuerySet":
        """Staff holding the model's view permission preview everything; everyone else, published only."""
        if may_preview(user, self.model):
            return self.all()
        return self.published()


class StoredValues(models.Model):
    """Remembers the column values an instance was loaded with, to tell a real change from a no-op save."""

    class Meta:
        abstract = True

    @classmethod
    def from_db(cls, db, field_names, values):
        instance = super().from_db(db, field_names, values)
        instance._stored = dict(zip(field_names, values, strict=True))
        return instance

    def _columns(self, ignore: tuple[str, ...]) -> list[str]:
        return [
            f.attname for f in self._meta.concrete_fields if not f.primary_key and f.attname not in ignore
        ]

    def differs_from_stored(self, ignore: tuple[str, ...] = ()) -> bool:
        """True for a new row, or when any column (but ``ignore``) differs from the database's."""
        if self._state.adding or self.pk is None:
            return True
        columns = self._columns(ignore)
        stored = getattr(self, "_stored", {})
        if any(name not in stored or stored[name] is models.DEFERRED for name in columns):
            stored = type(self)._base_manager.filter(pk=self.pk).values(*columns).first()
            if stored is None:
                return True
        return any(stored[name] != getattr(self, name) for name in columns)

    def remember_stored(self) -> None:
        self._stored = {name: getattr(self, name) for name in self._columns(())}


class Document(StoredValues):
    """What articles and nutrient pages have in common: text, publishing state, review, citations.

    ``updated`` is the time the page's content last changed: any column of the page, or its
    inline rows, tags or related pages (``touch``). A save that changes nothing leaves it alone,
    so "Last updated" and every cache keyed on it move exactly when what readers see moves.
    """

    title = models.CharField(max_length=200)
    slug = models.SlugField(
        max_length=200,
        unique=True,
        blank=True,
        help_text="The page's address. Left blank, it is made from the title.",
    )
    summary = models.TextField(
        blank=True,
        validators=[validate_markdown],
        help_text="One or two sentences shown in lists and at the top of the page. Markdown; may cite.",
    )
    summary_html = models.TextField(blank=True, editable=False)
    body = models.TextField(
        blank=True,
        validators=[validate_markdown],
        help_text="Markdown. Use ## headings (they build the contents list) and cite as [@key] or [@a; @b, p. 4].",
    )
    body_html = models.TextField(blank=True, editable=False)
    toc = models.JSONField(default=list, blank=True, editable=False, help_text="Headings of the body.")
    reading_minutes = models.PositiveSmallIntegerField(default=1, editable=False)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.DRAFT, db_index=True)
    publish_at = models.DateTimeField(
        "publish at",
        null=True,
        blank=True,
        db_index=True,
        help_text="Leave blank to publish as soon as the status is Published; a future time keeps it hidden until then.",
    )
    featured = models.BooleanField(default=False, help_text="Show on the home page.")
    medical_reviewer = models.CharField(
        max_length=200, blank=True, help_text="Name and credentials, e.g. “Dr A. Example, MD (neurology)”."
    )
    reviewed_on = models.DateField("medically reviewed on", null=True, blank=True)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created = models.DateTimeField(auto_now_add=True)
    updated = models.DateTimeField(
        "last updated", default=timezone.now, editable=False, help_text="When the content last changed."
    )
    citations = GenericRelation("cramps.Citation", related_query_name="%(class)s")
    # The rows behind ``tags``, so that version history follows a page's tags.
    tagged_items = GenericRelation(TaggedItem)
    # The page as readers see it, rendered once and kept (``cramps.pagebody``); one row at most.
    page_bodies = GenericRelation("cramps.PageBody")

    objects = DocumentQuerySet.as_manager()
    # Columns readers never see: changing them alone leaves "Last updated" as it is.
    NOT_CONTENT = ("updated", "created", "author_id")

    class Meta:
        abstract = True
        ordering = ["title"]
        # Lists page through published documents A–Z (ORDER BY title with OFFSET).
        indexes = [models.Index(fields=["title"], name="%(app_label)s_%(class)s_title")]

    def __str__(self) -> str:
        return self.title

    # Fields ``render()`` derives from the Markdown (compared to find stale ones).
    rendered_fields: tuple[str, ...] = ("summary_html", "body_html", "toc", "reading_minutes")

    def save(self, *args, **kwargs) -> None:
        if not self.slug:
            self.slug = self._unique_slug()
        self.render()
        if self.differs_from_stored(ignore=self.NOT_CONTENT):
            self.updated = timezone.now()
            if kwargs.get("update_fields") is not None:
                kwargs["update_fields"] = {*kwargs["update_fields"], "updated"}
        elif kwargs.get("update_fields") is None:
            # No content changed: write no newer "updated" than the database holds (an inline row
            # saved meanwhile may have moved it).
            kwargs["update_fields"] = self._columns(("updated", "created"))
        super().save(*args, **kwargs)
        self.remember_stored()

    def render(self) -> None:
        """Derive the cached HTML (and contents list, reading time) from the Markdown."""
        self.summary_html = render_inline(self.summary)
        rendered = render_markdown(self.body)
        self.body_html = rendered.html
        self.toc = [{"level": h.level, "anchor": h.anchor, "text": h.text} for h in rendered.headings]
        self.reading_minutes = max(1, round(rendered.words / WORDS_PER_MINUTE))

    def touch(self) -> None:
        """Record that the content changed outside this row (an inline row, a tag, a related page)."""
        if self.pk is None:
            return
        self.updated = timezone.now()
        type(self)._base_manager.filter(pk=self.pk).update(updated=self.updated)
        signals.document_changed.send(sender=type(self), document=self)

    def _unique_slug(self) -> str:
        base = slugify(self.title)[:190] or "page"
        slug, suffix = base, 2
        while type(self).objects.filter(slug=slug).exclude(pk=self.pk).exists():
            slug, suffix = f"{base}-{suffix}", suffix + 1
        return slug

    @property
    def is_public(self) -> bool:
        return self.status == Status.PUBLISHED and (
            self.publish_at is None or self.publish_at <= timezone.now()
        )

    @property
    def kind_label(self) -> str:
        """“Article” or “Nutrient”: for messages and headings."""
        return capfirst(self._meta.verbose_name)

    def citation_sources(self) -> list[tuple[str, str]]:
        """(where, Markdown text) for every text of the document in reading order.

        Citation numbering follows this order; ``where`` names the field in error messages.
        """
        return [("summary", self.summary), ("body", self.body)]


class OrderedItem(StoredValues):
    """An inline row (key point, FAQ, food, interaction) kept in the order the editor set.

    A real change to a row touches its page (see ``Document.touch``); deleting one does too
    (``cramps.stamps``). Each kind renders its Markdown to cached HTML in ``render()``, called
    by ``save()``.
    """

    position = models.PositiveSmallIntegerField(default=0, help_text="Lower numbers come first.")
    owner_field = ""  # The foreign key to the page this row belongs to.
    rendered_fields: tuple[str, ...] = ()

    class Meta:
        abstract = True
        ordering = ["position", "pk"]

    @property
    def owner(self) -> "Document":
        return getattr(self, self.owner_field)

    def save(self, *args, **kwargs) -> None:
        self.render()
        changed = self.differs_from_stored()
        super().save(*args, **kwargs)
        self.remember_stored()
        if changed:
            self.owner.touch()

    def render(self) -> None:
        """Derive the cached HTML from the Markdown."""


class Article(Document):
    related_nutrients = models.ManyToManyField("Nutrient", blank=True, related_name="articles")
    tags = Tags(blank=True, help_text="Conditions and topics, e.g. neuropathy, pregnancy.")

    class Meta(Document.Meta):
        # For all content (articles, nutrients and the references they cite): one pair, on one model.
        permissions = [
            ("import_content", "Can import site content (articles, nutrients, references) from JSON"),
            ("export_content", "Can export site content (articles, nutrients, references) to JSON"),
            ("publish_article", "Can publish, schedule and unpublish articles"),
            ("review_article", "Can record the medical review of articles"),
        ]

    def get_absolute_url(self) -> str:
        return reverse("article-detail", kwargs={"slug": self.slug})

    def citation_sources(self) -> list[tuple[str, str]]:
        key_points = [
            (f"key point {n}", point.text) for n, point in enumerate(self.key_points.all(), start=1)
        ]
        faqs = [(f"FAQ answer “{faq.question}”", faq.answer) for faq in self.faqs.all()]
        return [("summary", self.summary), *key_points, ("body", self.body), *faqs]


class KeyPoint(OrderedItem):
    owner_field = "article"
    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="key_points")
    text = models.CharField(
        max_length=500, validators=[validate_markdown], help_text="One sentence. Markdown; may cite."
    )
    text_html = models.TextField(blank=True, editable=False)

    class Meta(OrderedItem.Meta):
        pass

    rendered_fields = ("text_html",)

    def __str__(self) -> str:
        return self.text

    def render(self) -> None:
        self.text_html = render_inline(self.text)


class FAQ(OrderedItem):
    owner_field = "article"
    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="faqs")
    question = models.CharField(max_length=300)
    answer = models.TextField(validators=[validate_markdown], help_text="Markdown; may cite.")
    answer_html = models.TextField(blank=True, editable=False)

    class Meta(OrderedItem.Meta):
        verbose_name = "FAQ entry"
        verbose_name_plural = "FAQ entries"

    rendered_fields = ("answer_html",)

    def __str__(self) -> str:
        return self.question

    def render(self) -> None:
        self.answer_html = render_markdown(self.answer).html


class NutrientKind(models.TextChoices):
    MINERAL = "mineral", "Mineral"
    VITAMIN = "vitamin", "Vitamin"
    AMINO_ACID = "amino-acid", "Amino acid"
    OTHER = "other", "Other"


class EvidenceGrade(models.TextChoices):
    """How strongly the cited research supports a role in cramps, in plain words."""

    STRONG = "strong", "Strong: consistent results from several good trials"
    MODERATE = "moderate", "Moderate: some good trials, not all agreeing"
    LIMITED = "limited", "Limited: small or few studies"
    INSUFFICIENT = "insufficient", "Insufficient: theory, case reports or expert opinion only"
    AGAINST = "against", "Not supported: trials found no benefit"


class Nutrient(Document):
    kind = models.CharField(max_length=20, choices=NutrientKind.choices, default=NutrientKind.MINERAL)
    aliases = models.CharField(
        max_length=300,
        blank=True,
        help_text="Other names, separated by commas, e.g. cobalamin, cyanocobalamin.",
    )
    evidence_grade = models.CharField(
        "evidence for cramps",
        max_length=20,
        choices=EvidenceGrade.choices,
        default=EvidenceGrade.INSUFFICIENT,
    )
    evidence_rationale = models.TextField(
        blank=True,
        validators=[validate_markdown],
        help_text="One paragraph: why this grade, citing the studies. Markdown.",
    )
    evidence_rationale_html = models.TextField(blank=True, editable=False)
    role = models.TextField(
        "role in muscle and nerve function",
        blank=True,
        validators=[validate_markdown],
        help_text="One or two cited sentences, shown in comparisons. Markdown.",
    )
    role_html = models.TextField(blank=True, editable=False)
    at_risk = models.TextField(
        "who is at risk of deficiency",
        blank=True,
        validators=[validate_markdown],
        help_text="One or two cited sentences, shown in comparisons. Markdown.",
    )
    at_risk_html = models.TextField(blank=True, editable=False)
    tags = Tags(blank=True, help_text="Conditions and topics, e.g. dialysis, exercise.")

    class Meta(Document.Meta):
        permissions = [
            ("publish_nutrient", "Can publish, schedule and unpublish nutrient pages"),
            ("review_nutrient", "Can record the medical review of nutrient pages"),
        ]

    def get_absolute_url(self) -> str:
        return reverse("nutrient-detail", kwargs={"slug": self.slug})

    rendered_fields = (*Document.rendered_fields, "evidence_rationale_html", "role_html", "at_risk_html")

    def render(self) -> None:
        super().render()
        self.evidence_rationale_html = render_markdown(self.evidence_rationale).html
        self.role_html = render_inline(self.role)
        self.at_risk_html = render_inline(self.at_risk)

    @property
    def alias_list(self) -> list[str]:
        return [alias.strip() for alias in self.aliases.split(",") if alias.strip()]

    def citation_sources(self) -> list[tuple[str, str]]:
        """The page's reading order: summary, evidence, role, who is at risk, body, then the tables."""
        tables = [
            (f"{row._meta.verbose_name} “{row}”, {name}", text)
            for rows in (self.intake_values, self.food_sources, self.forms, self.interactions)
            for row in rows.all()
            for name, text in row.cited_texts()
        ]
        return [("summary", self.summary), ("evidence rationale", self.evidence_rationale), ("role", self.role),
                ("who is at risk", self.at_risk), ("body", self.body), *tables]  # fmt: skip


QUANTITY = re.compile(r"\d{1,6}(?:\.\d{1,3})?")


def validate_quantity(value: str) -> None:
    """A plain number as the reports print it, without unit or thousands separator: 400, 2.4."""
    if not QUANTITY.fullmatch(value or ""):
        raise ValidationError("Write a plain number such as 400 or 2.4 (no unit, no comma).", code="quantity")


def quantity_text(value: str) -> str:
    """``"1000"`` → ``"1,000"``; ``"2.4"`` stays."""
    whole, _, fraction = value.partition(".")
    return f"{int(whole):,}" + (f".{fraction}" if fraction else "")


class CitedRow(OrderedItem):
    """A row of a nutrient's fact tables: every row names the source that gives its values.

    Its Markdown fields join the page's citation numbering (``Nutrient.citation_sources``), so a
    row's citations are numbered in the page's one reference list, on the page, in its handout
    and in comparisons alike.
    """

    owner_field = "nutrient"
    source = models.CharField(
        max_length=300,
        blank=True,
        validators=[validate_markdown],
        help_text="The citation giving these values, e.g. [@iom1999] or [@ods-zinc, table 2].",
    )
    source_html = models.TextField(blank=True, editable=False)
    # The row's Markdown fields, in reading order; ``source`` comes last.
    markdown_fields: tuple[str, ...] = ()
    rendered_fields = ("source_html",)

    class Meta(OrderedItem.Meta):
        abstract = True

    def cited_texts(self) -> list[tuple[str, str]]:
        return [(name, getattr(self, name)) for name in (*self.markdown_fields, "source")]

    def clean(self) -> None:
        super().clean()
        if not cited_keys(text for _, text in self.cited_texts()):
            raise ValidationError({"source": "Cite the source of this row, e.g. [@iom1999]."}, code="uncited")

    def render(self) -> None:
        self.source_html = render_inline(self.source)
        for name in self.markdown_fields:
            setattr(self, f"{name}_html", render_inline(getattr(self, name)))


class LifeStage(models.TextChoices):
    ADULTS = "adults", "Adults"
    PREGNANCY = "pregnancy", "Pregnancy"
    BREASTFEEDING = "breastfeeding", "Breastfeeding"


class Sex(models.TextChoices):
    ALL = "all", "Men and women"
    MEN = "men", "Men"
    WOMEN = "women", "Women"


class IntakeKind(models.TextChoices):
    RDA = "rda", "RDA"
    AI = "ai", "AI"


class IntakeUnit(models.TextChoices):
    MG = "mg", "mg"
    MICROGRAMS = "µg", "µg"


class LimitScope(models.TextChoices):
    ALL_SOURCES = "all", "All sources"
    SUPPLEMENTS = "supplements", "Supplements only"


class IntakeValue(CitedRow):
    """A recommended daily intake and upper limit for one life stage, as a report gives them."""

    nutrient = models.ForeignKey(Nutrient, on_delete=models.CASCADE, related_name="intake_values")
    life_stage = models.CharField(max_length=20, choices=LifeStage.choices, default=LifeStage.ADULTS)
    ages = models.CharField(max_length=50, blank=True, help_text="e.g. 19–30 years; blank for all ages.")
    sex = models.CharField(max_length=10, choices=Sex.choices, default=Sex.ALL)
    kind = models.CharField(
        "RDA or AI",
        max_length=5,
        choices=IntakeKind.choices,
        default=IntakeKind.RDA,
        help_text="RDA: recommended dietary allowance. AI: adequate intake, set where no RDA could be.",
    )
    amount = models.CharField(
        max_length=12, validators=[validate_quantity], help_text="Recommended amount per day, e.g. 400."
    )
    upper_limit = models.CharField(
        "upper limit",
        max_length=12,
        blank=True,
        validators=[validate_quantity],
        help_text="Tolerable upper intake level per day; blank where the report set none.",
    )
    limit_scope = models.CharField(
        "limit covers",
        max_length=12,
        choices=LimitScope.choices,
        default=LimitScope.ALL_SOURCES,
        help_text="All sources: food, drink and supplements together. Supplements only: supplements and medicines.",
    )
    unit = models.CharField(max_length=5, choices=IntakeUnit.choices, default=IntakeUnit.MG)
    note = models.CharField(max_length=100, blank=True, help_text="e.g. 600 IU")

    class Meta(OrderedItem.Meta):
        verbose_name = "intake value"

    def __str__(self) -> str:
        return self.group

    @property
    def group(self) -> str:
        """“Adults 19–30 years, men”, “Pregnancy”."""
        words = [self.get_life_stage_display(), self.ages]
        group = " ".join(word for word in words if word)
        return group if self.sex == Sex.ALL else f"{group}, {self.get_sex_display().lower()}"

    @property
    def amount_text(self) -> str:
        return f"{quantity_text(self.amount)} {self.unit}"

    @property
    def upper_limit_text(self) -> str:
        """“350 mg (supplements and medicines only)”, or “Not established”."""
        if not self.upper_limit:
            return "Not established"
        scope = " (supplements and medicines only)" if self.limit_scope == LimitScope.SUPPLEMENTS else ""
        return f"{quantity_text(self.upper_limit)} {self.unit}{scope}"


class FoodSource(CitedRow):
    nutrient = models.ForeignKey(Nutrient, on_delete=models.CASCADE, related_name="food_sources")
    food = models.CharField(max_length=200)
    serving = models.CharField(max_length=100, blank=True, help_text="e.g. 1 ounce (28 g); ½ cup, cooked")
    amount = models.CharField(
        "amount per serving", max_length=200, blank=True, help_text="With its unit, e.g. 80 mg"
    )
    daily_value = models.CharField(
        "% daily value",
        max_length=6,
        blank=True,
        validators=[validate_quantity],
        help_text="Per cent of the US daily value per serving, where the source gives it, e.g. 19.",
    )
    notes = models.CharField(
        max_length=500, blank=True, validators=[validate_markdown], help_text="Markdown; may cite."
    )
    notes_html = models.TextField(blank=True, editable=False)

    markdown_fields = ("notes",)
    rendered_fields = ("notes_html", "source_html")

    class Meta(OrderedItem.Meta):
        pass

    def __str__(self) -> str:
        return self.food


class NutrientForm(CitedRow):
    """A form of a supplement and how much of the nutrient itself it gives (salt vs elemental weight)."""

    nutrient = models.ForeignKey(Nutrient, on_delete=models.CASCADE, related_name="forms")
    form = models.CharField(max_length=200, help_text="e.g. Zinc sulfate")
    dose = models.CharField(max_length=100, blank=True, help_text="Weight of the compound, e.g. 220 mg")
    elemental = models.CharField(
        "nutrient it gives", max_length=100, blank=True, help_text="e.g. about 50 mg of elemental zinc"
    )
    notes = models.CharField(
        max_length=500, blank=True, validators=[validate_markdown], help_text="Markdown; may cite."
    )
    notes_html = models.TextField(blank=True, editable=False)

    markdown_fields = ("notes",)
    rendered_fields = ("notes_html", "source_html")

    class Meta(OrderedItem.Meta):
        verbose_name = "form and dose"
        verbose_name_plural = "forms and doses"

    def __str__(self) -> str:
        return self.form


class InteractionDirection(models.TextChoices):
    LOWERS = "lowers", "Lowers the nutrient"
    AFFECTS_MEDICINE = "affects-medicine", "Nutrient affects the medicine"
    RAISES = "raises", "Raises levels"
    CAUTION = "caution", "Needs caution"


class Interaction(CitedRow):
    nutrient = models.ForeignKey(Nutrient, on_delete=models.CASCADE, related_name="interactions")
    medication = models.CharField("medication or class", max_length=200)
    direction = models.CharField(max_length=20, choices=InteractionDirection.choices, blank=True)
    effect = models.TextField(
        validators=[validate_markdown], help_text="What happens, citing the source. Markdown."
    )
    effect_html = models.TextField(blank=True, editable=False)
    advice = models.TextField(
        "what to do", blank=True, validators=[validate_markdown], help_text="Markdown; may cite."
    )
    advice_html = models.TextField(blank=True, editable=False)

    markdown_fields = ("effect", "advice")
    rendered_fields = ("effect_html", "advice_html", "source_html")

    class Meta(OrderedItem.Meta):
        pass

    def __str__(self) -> str:
        return self.medication


class Citation(models.Model):
    """Reference ``reference`` is cited in a document with number ``number`` (first appearance)."""

    content_type = models.ForeignKey(ContentType, on_delete=models.CASCADE)
    object_id = models.PositiveBigIntegerField()
    document = GenericForeignKey("content_type", "object_id")
    reference = models.ForeignKey(Reference, on_delete=models.PROTECT, related_name="citations")
    number = models.PositiveSmallIntegerField()

    class Meta:
        ordering = ["content_type", "object_id", "number"]
        constraints = [
            models.UniqueConstraint(
                fields=["content_type", "object_id", "reference"], name="citation_once_per_document"
            ),
            models.UniqueConstraint(
                fields=["content_type", "object_id", "number"], name="citation_number_unique"
            ),
        ]
        indexes = [models.Index(fields=["content_type", "object_id"])]

    def __str__(self) -> str:
        document = self.document
        return f"{document.kind_label} “{document}” cites it as [{self.number}]"


class PageBody(models.Model):
    """A document page's rendered body, kept so that showing the page reads one row (``cramps.pagebody``).

    Derived data only: ``generation`` moves whenever something the body shows changes, which
    empties ``stamp``; the next reader renders the body again and stores it only if the
    generation it read is still current.
    """

    content_type = models.ForeignKey(ContentType, on_delete=models.CASCADE)
    object_id = models.PositiveBigIntegerField()
    document = GenericForeignKey("content_type", "object_id")
    generation = models.PositiveIntegerField(default=0)
    # What the body was rendered for (design version, public or preview, address); "" = stale.
    stamp = models.CharField(max_length=64, blank=True)
    # The HTML split at its slots: [text, slot name, text, …] (``pagebody.Body``).
    parts = models.JSONField(default=list)
    # The page's description and its <head> sharing tags (Open Graph, JSON-LD), rendered with it.
    description = models.TextField(blank=True)
    share_html = models.TextField(blank=True)
    # The page cache tokens of what the body shows (the page and each cited reference).
    tokens = models.JSONField(default=list)
    # The tag and related-nutrient ids the page's related lists are found from (``related.Links``).
    links = models.JSONField(default=dict)
    # The whole public page as served, related lists included ("" = none kept): current while the
    # stamp matches, ``SiteVersion`` "documents" is still ``page_version`` and ``page_until`` (the
    # next scheduled publication when it was rendered) has not passed.
    page = models.TextField(blank=True)
    page_version = models.PositiveBigIntegerField(null=True, blank=True)
    page_until = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["content_type", "object_id"], name="page_body_once_per_document")
        ]

    def __str__(self) -> str:
        return f"Stored page of {self.content_type.model} {self.object_id}"


class TransitionAction(models.TextChoices):
    SUBMITTED = "submitted", "Submitted for review"
    RETURNED = "returned", "Returned to draft"
    REVIEWED = "reviewed", "Medical review recorded"
    PUBLISHED = "published", "Published"
    SCHEDULED = "scheduled", "Scheduled"
    UNPUBLISHED = "unpublished", "Unpublished"


class Transition(models.Model):
    """One step of a page through the editorial workflow: what, who and when (``cramps.workflow``).

    Kept when the page is deleted, so a recovered page keeps its story.
    """

    content_type = models.ForeignKey(ContentType, on_delete=models.CASCADE)
    object_id = models.PositiveBigIntegerField()
    document = GenericForeignKey("content_type", "object_id")
    action = models.CharField(max_length=20, choices=TransitionAction.choices)
    detail = models.CharField(
        max_length=300, blank=True, help_text="e.g. the scheduled time or the reviewer."
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    actor = models.CharField(max_length=200, help_text="Who took the step: a user name, or the command.")
    created = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        ordering = ["-created", "-pk"]
        indexes = [models.Index(fields=["content_type", "object_id"])]

    def __str__(self) -> str:
        detail = f" ({self.detail})" if self.detail else ""
        return f"{self.get_action_display()}{detail} by {self.actor}"


# Stored handouts (one row per rendered version) live with the rest of the handout code.
# The About / editorial policy page.
from .about import AboutPage  # noqa: E402, F401
from .handouts.models import Handout, HandoutState  # noqa: E402, F401


class SiteVersion(models.Model):
    """A counter that moves whenever something many pages show changes; one row per ``name``.

    "documents" moves with every change to any article or nutrient (``pagebody.invalidate``), in
    the changing transaction: a stored page's related lists are current while it has not moved.
    Kept in the database, not the cache, so that a page reads it in the same query as its row.
    """

    DOCUMENTS = "documents"

    name = models.CharField(primary_key=True, max_length=32)
    version = models.PositiveBigIntegerField(default=0)

    def __str__(self) -> str:
        return f"{self.name} version {self.version}"
