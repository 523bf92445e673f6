"""The bibliographic record every citation in Cramps points at."""

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.urls import reverse

from . import identifiers
from .formats.csljson import item_from_record
from .formats.records import RECORD_FIELDS


class ReferenceType(models.TextChoices):
    """The CSL item types editors meet in health writing."""

    ARTICLE_JOURNAL = "article-journal", "Journal article"
    BOOK = "book", "Book"
    CHAPTER = "chapter", "Book chapter"
    PAPER_CONFERENCE = "paper-conference", "Conference paper"
    REPORT = "report", "Report"
    THESIS = "thesis", "Thesis"
    WEBPAGE = "webpage", "Web page"
    DATASET = "dataset", "Dataset"
    ARTICLE = "article", "Preprint or other article"
    OTHER = "document", "Other document"


class ReferenceQuerySet(models.QuerySet):
    def search(self, query: str) -> "ReferenceQuerySet":
        """References whose key, title, container, authors or year mention ``query``."""
        query = (query or "").strip()
        if not query:
            return self
        condition = Q()
        for word in query.split():
            word_match = (
                Q(key__icontains=word)
                | Q(title__icontains=word)
                | Q(container_title__icontains=word)
                | Q(authors_text__icontains=word)
            )
            if word.isdigit() and len(word) == 4:
                word_match |= Q(issued_year=int(word))
            condition &= word_match
        return self.filter(condition)


class Reference(models.Model):
    """A source as CSL-JSON understands it; ``csl`` gives the record citeproc-py formats."""

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

    def __str__(self) -> str:
        return f"{self.key}: {self.title[:80]}"

    def get_absolute_url(self) -> str:
        return reverse("reference-detail", kwargs={"key": self.key})

    def clean(self) -> None:
        self.doi = identifiers.normalize_doi(self.doi)
        self.pmid = identifiers.normalize_pmid(self.pmid)
        self.pmcid = identifiers.normalize_pmcid(self.pmcid)
        errors = {}
        if self.doi and not identifiers.is_valid_doi(self.doi):
            errors["doi"] = f"“{self.doi}” is not a DOI: it should look like 10.1234/abc."
        if self.pmid and not identifiers.is_valid_pmid(self.pmid):
            errors["pmid"] = f"“{self.pmid}” is not a PMID: it should be digits only."
        if self.pmcid and not identifiers.is_valid_pmcid(self.pmcid):
            errors["pmcid"] = f"“{self.pmcid}” is not a PMCID: it should look like PMC1234567."
        if (
            self.pk
            and self.citations.exists()
            and Reference.objects.filter(pk=self.pk).exclude(key=self.key).exists()
        ):
            citing = "; ".join(sorted({str(citation.document) for citation in self.citations.all()}))
            errors["key"] = f"This key is cited by: {citing}. Change the key in their text first."
        if errors:
            raise ValidationError(errors)

    def save(self, *args, **kwargs) -> None:
        self.authors_text = "; ".join(_name_text(name) for name in self.authors or [])
        super().save(*args, **kwargs)

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


def _name_text(name: dict) -> str:
    if "literal" in name:
        return name["literal"]
    return " ".join(part for part in (name.get("given", ""), name.get("family", "")) if part)
