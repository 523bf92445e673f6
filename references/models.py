"""The bibliographic record every citation in Cramps points at, and the record of each file import."""

import re
from collections.abc import Iterable
from dataclasses import dataclass
from urllib.parse import urlencode

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import F, Func, Q, TextField
from django.db.models.functions import Lower
from django.urls import reverse

from . import identifiers
from .formats.csljson import item_from_record
from .record import CSL_TYPES, RECORD_FIELDS, name_display
from .signals import reference_key_changing
from .validators import validate_citations

# Reference search reads at most this many words of at most this many characters: a pasted
# page of text is a bounded query, not one LIKE per word.
SEARCH_MAX_TERMS = 8
SEARCH_MAX_TERM_LENGTH = 80
_IDENTIFIER_LABEL = re.compile(r"\b(pmid|pmcid|doi)\s*:\s*", re.IGNORECASE)

# The CSL item types editors meet in health writing (``record.CSL_TYPES``), as model choices.
ReferenceType = models.TextChoices(
    "ReferenceType", [(value.upper().replace("-", "_"), (value, label)) for value, label in CSL_TYPES.items()]
)
# A reference's study summary: what readers learn about the work beyond its record. Kept apart
# from ``RECORD_FIELDS`` because no bibliographic file holds it (an import must not blank it).
STUDY_FIELDS = ("study_type", "population", "participants", "comparison", "main_result", "limits", "summary")
# A reference with any of these filled has a study summary worth offering readers; an index
# with the same condition keeps that short list quick to read among many plain references.
SUMMARISED = ~Q(study_type="") | ~Q(summary="") | ~Q(main_result="")
MATCH_TITLE_LENGTH = 200
# Rows per query when looking up many values at once (well under every database's parameter limit).
QUERY_CHUNK = 500


def search_terms(query: str) -> list[str]:
    """The words a search reads: ``PMID: 123`` as one, the first ``SEARCH_MAX_TERMS``, each capped."""
    words = _IDENTIFIER_LABEL.sub(lambda match: match[1] + ":", query or "").split()
    return [word[:SEARCH_MAX_TERM_LENGTH] for word in words[:SEARCH_MAX_TERMS]]


# The columns a search word is looked for in, as one text (``SearchText``).
SEARCH_COLUMNS = ("key", "title", "container_title", "authors_text")


class SearchText(Func):
    """The key, title, journal and authors as one text, a space between each.

    A search word holds no space, so it is found in this text exactly when it is found in one of
    the columns: one condition, which one index can serve. On PostgreSQL a trigram index on
    ``UPPER`` of this very expression (migration ``cramps`` 0013) serves ``icontains`` on it; the
    SQL here and the index's must stay the same, or the planner scans the table. The columns are
    NOT NULL, so plain ``||`` (standard SQL, on SQLite too) needs no COALESCE.
    """

    template = "(%(expressions)s)"
    arg_joiner = " || ' ' || "
    output_field = TextField()

    def __init__(self):
        super().__init__(*(F(column) for column in SEARCH_COLUMNS))


def _term_condition(word: str) -> Q:
    """One search word: in the key, title, journal or authors; a year; or a PMID, PMCID or DOI."""
    condition = Q(search_text__icontains=word)
    if word.isdigit() and len(word) == 4:
        condition |= Q(issued_year=int(word))
    if identifiers.is_valid_pmid(pmid := identifiers.normalize_pmid(word)):
        condition |= Q(pmid=pmid)
    if identifiers.is_valid_pmcid(pmcid := identifiers.normalize_pmcid(word)) and not word.isdigit():
        condition |= Q(pmcid=pmcid)
    if doi := identifiers.valid_doi(word):
        condition |= Q(doi__iexact=doi)
    return condition


class ReferenceQuerySet(models.QuerySet):
    def search(self, query: str) -> "ReferenceQuerySet":
        """References matching every word of ``query`` (see ``search_terms`` and ``_term_condition``)."""
        terms = search_terms(query)
        if not terms:
            return self
        condition = Q()
        for word in terms:
            condition &= _term_condition(word)
        return self.alias(search_text=SearchText()).filter(condition)

    def summarised(self) -> "ReferenceQuerySet":
        """References with a study summary (``SUMMARISED``)."""
        return self.filter(SUMMARISED)

    def same_work_candidates(self, records: Iterable[dict]) -> list[tuple[int, dict]]:
        """``(pk, record)`` of the stored references that could be the same work as one of
        ``records`` (``matching.match_keys``): same DOI, else same PMID, else same normalised title.
        A record found by its DOI is not looked up again by PMID or title, since the strongest
        identity decides. The queries depend on the number of records, not on the size of the
        library (indexed look-ups in chunks), so a one-row import into 50,000 references is as
        quick as into 50."""
        records = list(records)
        found: dict[int, dict] = {}
        queryset = self.alias(doi_folded=Lower("doi")).values("pk", *RECORD_FIELDS)
        looks = [
            ("doi_folded", lambda record: identifiers.normalize_doi(record.get("doi") or "")),
            ("pmid", lambda record: identifiers.normalize_pmid(record.get("pmid") or "")),
            (
                "match_title",
                lambda record: identifiers.normalize_title(record.get("title") or "")[:MATCH_TITLE_LENGTH],
            ),
        ]
        for lookup, value_of in looks:
            values = sorted({value_of(record) for record in records} - {""})
            matched: set[str] = set()
            for start in range(0, len(values), QUERY_CHUNK):
                for row in queryset.filter(**{f"{lookup}__in": values[start : start + QUERY_CHUNK]}):
                    found[row["pk"]] = row
                    matched.add(value_of(row))
            # Only the records not found by this identity are looked up by the next, weaker one.
            records = [record for record in records if value_of(record) not in matched]
        return [(pk, {field: row[field] for field in RECORD_FIELDS}) for pk, row in sorted(found.items())]

    def keys_in_use(self, keys: Iterable[str], prefixes: Iterable[str]) -> set[str]:
        """The stored keys among ``keys``, and those starting with any of ``prefixes`` (the
        ``matching.key_base`` of new records, so ``make_key`` can step past ``rude1998a``…)."""
        keys, prefixes = sorted(set(keys) - {""}), sorted(set(prefixes) - {""})
        taken: set[str] = set()
        for start in range(0, len(keys), QUERY_CHUNK):
            taken.update(self.filter(key__in=keys[start : start + QUERY_CHUNK]).values_list("key", flat=True))
        for start in range(0, len(prefixes), QUERY_CHUNK):
            condition = Q()
            for prefix in prefixes[start : start + QUERY_CHUNK]:
                condition |= Q(key__startswith=prefix)
            taken.update(self.filter(condition).values_list("key", flat=True))
        return taken


def identifier_errors(values: dict) -> dict[str, str]:
    """The message for each of ``values``' DOI, PMID and PMCID that is malformed (the model's rule)."""
    errors = {}
    doi, pmid, pmcid = (values.get(name) or "" for name in ("doi", "pmid", "pmcid"))
    if doi and not identifiers.is_valid_doi(identifiers.normalize_doi(doi)):
        errors["doi"] = f"“{doi}” is not a DOI: it should look like 10.1234/abc."
    if pmid and not identifiers.is_valid_pmid(identifiers.normalize_pmid(pmid)):
        errors["pmid"] = f"“{pmid}” is not a PMID: it should be digits only."
    if pmcid and not identifiers.is_valid_pmcid(identifiers.normalize_pmcid(pmcid)):
        errors["pmcid"] = f"“{pmcid}” is not a PMCID: it should look like PMC1234567."
    return errors


@dataclass(frozen=True)
class SourceLink:
    """A way to open a source: ``label`` names the service, ``text`` is what a link shows."""

    label: str
    text: str
    url: str


class StudyType(models.TextChoices):
    """What kind of work a reference is, as its study summary tells readers."""

    SYSTEMATIC_REVIEW = "systematic-review", "Systematic review"
    RANDOMISED_TRIAL = "randomised-trial", "Randomised trial"
    COHORT = "cohort", "Cohort study"
    CASE_SERIES = "case-series", "Case series"
    GUIDELINE = "guideline", "Guideline"
    TEXTBOOK = "textbook", "Textbook"
    OTHER = "other", "Other"


class Reference(models.Model):
    """A source as CSL-JSON understands it; ``csl`` gives the record citeproc-py formats.

    The study summary (``study_type`` … ``summary``) tells readers what the work found, in our
    words; ``summary_html`` is its rendered Markdown, kept in step by the content app (which
    owns the Markdown renderer) on every save.
    """

    key = models.SlugField(
        "citation key",
        max_length=100,
        unique=True,
        help_text="Cite it in Markdown as [@key], e.g. [@rude1998]. Letters, digits, - and _.",
    )
    type = models.CharField(
        max_length=30, choices=ReferenceType.choices, default=ReferenceType.ARTICLE_JOURNAL
    )
    authors = models.JSONField(
        default=list,
        blank=True,
        help_text='CSL names: a list of {"family": …, "given": …} or {"literal": …}.',
    )
    editors = models.JSONField(default=list, blank=True, help_text="CSL names of editors, as for authors.")
    authors_text = models.TextField(
        editable=False, blank=True, help_text="Author names, flattened for search."
    )
    match_title = models.CharField(
        max_length=MATCH_TITLE_LENGTH,
        editable=False,
        blank=True,
        db_index=True,
        help_text="The title reduced to letters and digits, to find the same work on import.",
    )
    title = models.TextField()
    container_title = models.CharField(
        "journal or book",
        max_length=500,
        blank=True,
        help_text="Full journal name, or the book a chapter is in.",
    )
    container_title_short = models.CharField(
        "journal abbreviation", max_length=200, blank=True, help_text="NLM abbreviation, e.g. J Am Coll Nutr."
    )
    issued_year = models.PositiveSmallIntegerField("year", null=True, blank=True)
    volume = models.CharField(max_length=50, blank=True)
    issue = models.CharField(max_length=50, blank=True)
    pages = models.CharField(max_length=50, blank=True, help_text="e.g. 749-758")
    publisher = models.CharField(max_length=300, blank=True)
    publisher_place = models.CharField(max_length=200, blank=True)
    edition = models.CharField(max_length=50, blank=True)
    url = models.URLField("URL", max_length=1000, blank=True)
    doi = models.CharField("DOI", max_length=255, blank=True, help_text="e.g. 10.1080/07315724.1998.10718813")
    pmid = models.CharField("PMID", max_length=12, blank=True, help_text="PubMed identifier, digits only.")
    pmcid = models.CharField(
        "PMCID", max_length=20, blank=True, help_text="PubMed Central identifier, e.g. PMC1234567."
    )
    isbn = models.CharField("ISBN", max_length=40, blank=True)
    accessed = models.DateField(null=True, blank=True, help_text="When a web page was last read.")
    abstract = models.TextField(blank=True)
    note = models.TextField(blank=True, help_text="Editorial note; shown after the formatted entry.")
    study_type = models.CharField(
        max_length=30, choices=StudyType.choices, blank=True, help_text="Leave empty if not summarised yet."
    )
    population = models.CharField(
        "who was studied", max_length=300, blank=True, help_text="e.g. Adults over 55 with night cramps."
    )
    participants = models.PositiveIntegerField(
        "number of participants", null=True, blank=True, help_text="Leave empty for guidelines and textbooks."
    )
    comparison = models.CharField(
        "what was compared", max_length=300, blank=True, help_text="e.g. Magnesium against placebo."
    )
    main_result = models.TextField("main result", blank=True, help_text="In plain words, with its size.")
    limits = models.TextField(blank=True, help_text="What makes the result less certain.")
    summary = models.TextField(
        "study summary",
        blank=True,
        validators=[validate_citations],
        help_text="Plain-language summary in Markdown, in our own words. Cite other works as [@key].",
    )
    summary_html = models.TextField(editable=False, blank=True)
    created = models.DateTimeField(auto_now_add=True)
    updated = models.DateTimeField(auto_now=True)

    objects = ReferenceQuerySet.as_manager()

    class Meta:
        ordering = ["key"]
        permissions = [
            ("import_reference", "Can import references from files"),
            ("export_reference", "Can export references to files"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["doi"],
                condition=~Q(doi=""),
                name="reference_unique_doi",
                violation_error_message="Another reference already has this DOI.",
            ),
            models.UniqueConstraint(
                fields=["pmid"],
                condition=~Q(pmid=""),
                name="reference_unique_pmid",
                violation_error_message="Another reference already has this PMID.",
            ),
        ]
        indexes = [
            # DOIs are matched case-insensitively (demo fixtures predate lower-casing them).
            models.Index(Lower("doi"), name="reference_doi_folded"),
            # The handout builder offers the summarised references A–Z, a page at a time.
            models.Index(fields=["title"], condition=SUMMARISED, name="reference_summarised_title"),
        ]

    def __str__(self) -> str:
        return f"{self.key}: {self.title[:80]}"

    def get_absolute_url(self) -> str:
        return reverse("reference-detail", kwargs={"key": self.key})

    def clean(self) -> None:
        errors = self.clean_identifiers()
        if self.pk and (old_key := self.stored_key()) not in (None, self.key):
            for _receiver, refusal in reference_key_changing.send(Reference, reference=self, old_key=old_key):
                if refusal:
                    errors["key"] = refusal
        if errors:
            raise ValidationError(errors)

    def clean_identifiers(self) -> dict[str, str]:
        """Normalise the DOI, PMID and PMCID; the message for each that is malformed. No queries."""
        self.doi = identifiers.normalize_doi(self.doi)
        self.pmid = identifiers.normalize_pmid(self.pmid)
        self.pmcid = identifiers.normalize_pmcid(self.pmcid)
        return identifier_errors({"doi": self.doi, "pmid": self.pmid, "pmcid": self.pmcid})

    def set_derived_fields(self) -> None:
        """The fields kept for search and matching. Every save sets them (``signals``, which covers
        ``loaddata`` too); bulk writes must call this themselves."""
        self.authors_text = "; ".join(name_display(name) for name in self.authors or [])
        self.match_title = identifiers.normalize_title(self.title)[:MATCH_TITLE_LENGTH]

    def stored_key(self) -> str | None:
        """The key as the database holds it (None for a reference not saved yet)."""
        return Reference.objects.filter(pk=self.pk).values_list("key", flat=True).first()

    @property
    def study(self) -> dict:
        """The study summary's fields (``STUDY_FIELDS``), as content files and history keep them."""
        return {field: getattr(self, field) for field in STUDY_FIELDS}

    @property
    def has_study_summary(self) -> bool:
        return bool(self.study_type or self.summary or self.main_result)

    @property
    def first_author_family(self) -> str:
        if not self.authors:
            return ""
        first = self.authors[0]
        return first.get("family") or first.get("literal") or ""

    @property
    def pubmed_url(self) -> str:
        return f"https://pubmed.ncbi.nlm.nih.gov/{self.pmid}/" if self.pmid else ""

    @property
    def pmc_url(self) -> str:
        return f"https://www.ncbi.nlm.nih.gov/pmc/articles/{self.pmcid}/" if self.pmcid else ""

    @property
    def doi_url(self) -> str:
        return f"https://doi.org/{self.doi}" if self.doi else ""

    @property
    def web_url(self) -> str:
        """``url`` if it is a web address; never a ``javascript:`` or other scheme a link could run."""
        return self.url if self.url.lower().startswith(("https://", "http://")) else ""

    @property
    def identifier_links(self) -> list[SourceLink]:
        """PubMed, PubMed Central and DOI links: what readers open a source with, and the only
        place these identifiers are printed (formatted entries leave them out)."""
        links = []
        if self.pmid:
            links.append(SourceLink("PubMed", f"PMID {self.pmid}", self.pubmed_url))
        if self.pmcid:
            links.append(SourceLink("PubMed Central", self.pmcid, self.pmc_url))
        if self.doi:
            links.append(SourceLink("DOI", f"doi:{self.doi}", self.doi_url))
        return links

    @property
    def source_url(self) -> str:
        """Where one tap opens the source: PubMed, PMC or DOI, else its web address, else ""."""
        links = self.identifier_links
        return links[0].url if links else self.web_url

    @property
    def search_url(self) -> str:
        """A PubMed search for the title: the way on for a source with no identifier and no URL."""
        return "https://pubmed.ncbi.nlm.nih.gov/?" + urlencode({"term": f"{self.title} [Title]"})

    @property
    def short_label(self) -> str:
        """ "Rude 1998", "Rude and Shils 1998", "Rude et al. 1998": how a citation is read out."""
        families = [name.get("family") or name.get("literal") or "" for name in self.authors or []]
        families = [family for family in families if family]
        if not families:
            who = " ".join(self.title.split()[:6])
        elif len(families) == 1:
            who = families[0]
        elif len(families) == 2:
            who = f"{families[0]} and {families[1]}"
        else:
            who = f"{families[0]} et al."
        return f"{who} {self.issued_year}" if self.issued_year else who

    @property
    def record(self) -> dict:
        """This reference in the record shape the file formats read and write."""
        return {field: getattr(self, field) for field in RECORD_FIELDS}

    @property
    def csl(self) -> dict:
        """This record as a CSL-JSON item, for citeproc-py."""
        item = item_from_record(self.record)
        # Styles print the journal from container-title; an abbreviation alone must still show.
        if "container-title" not in item and self.container_title_short:
            item["container-title"] = self.container_title_short
        return item


class ReferenceImport(models.Model):
    """One reference file an editor uploaded: kept from the preview until it is imported.

    The file waits here between preview and confirm (any app server, or the task worker, can
    read it), and a large import reports its progress here while a background task runs it.
    The file itself is dropped once the import has finished or failed; the record stays, as the
    history of who imported what.
    """

    class Status(models.TextChoices):
        PREVIEWED = "previewed", "Previewed, not imported"
        QUEUED = "queued", "Waiting to start"
        RUNNING = "running", "Importing"
        DONE = "done", "Imported"
        FAILED = "failed", "Failed, nothing imported"

    file_name = models.CharField(max_length=255)
    format = models.CharField(max_length=20, help_text="A ``references.formats.FORMATS`` name.")
    encoding = models.CharField(max_length=40, blank=True, help_text="Chosen on upload; empty to detect.")
    data = models.BinaryField(editable=False, help_text="The uploaded file, until it has been imported.")
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.PREVIEWED)
    stage = models.CharField(max_length=100, blank=True, help_text="What a running import is doing.")
    records_total = models.PositiveIntegerField(default=0, help_text="Records in the file.")
    records_done = models.PositiveIntegerField(default=0, help_text="Records checked so far.")
    created_count = models.PositiveIntegerField("new", default=0)
    updated_count = models.PositiveIntegerField("updated", default=0)
    unchanged_count = models.PositiveIntegerField("unchanged", default=0)
    left_out_count = models.PositiveIntegerField("left out", default=0)
    message = models.TextField(blank=True, help_text="Why the import failed, or what it did.")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)
    created = models.DateTimeField(auto_now_add=True)
    started = models.DateTimeField(null=True, blank=True)
    finished = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created"]
        verbose_name = "reference import"

    def __str__(self) -> str:
        return f"{self.file_name} ({self.get_status_display().lower()})"

    def get_absolute_url(self) -> str:
        return reverse("admin:references_reference_import_progress", kwargs={"pk": self.pk})

    @property
    def is_finished(self) -> bool:
        return self.status in (self.Status.DONE, self.Status.FAILED)

    @property
    def percent(self) -> int:
        if self.status == self.Status.DONE:
            return 100
        return round(100 * self.records_done / self.records_total) if self.records_total else 0
