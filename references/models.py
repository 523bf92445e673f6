"""The bibliographic record every citation in Cramps points at."""

import re
from dataclasses import dataclass
from urllib.parse import urlencode

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.urls import reverse

from . import identifiers
from .formats.csljson import item_from_record
from .formats.records import RECORD_FIELDS
from .signals import reference_key_changing

# Reference search reads at most this many words of at most this many characters: a pasted
# page of text is a bounded query, not one LIKE per word.
SEARCH_MAX_TERMS = 8
SEARCH_MAX_TERM_LENGTH = 80
_IDENTIFIER_LABEL = re.compile(r"\b(pmid|pmcid|doi)\s*:\s*", re.IGNORECASE)


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


def search_terms(query: str) -> list[str]:
    """The words a search reads: ``PMID: 123`` as one, the first ``SEARCH_MAX_TERMS``, each capped."""
    words = _IDENTIFIER_LABEL.sub(lambda match: match[1] + ":", query or "").split()
    return [word[:SEARCH_MAX_TERM_LENGTH] for word in words[:SEARCH_MAX_TERMS]]


def _term_condition(word: str) -> Q:
    """One search word: in the key, title, journal or authors; a year; or a PMID, PMCID or DOI."""
    condition = (
        Q(key__icontains=word)
        | Q(title__icontains=word)
        | Q(container_title__icontains=word)
        | Q(authors_text__icontains=word)
    )
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
        return self.filter(condition)


@dataclass(frozen=True)
class SourceLink:
    """A way to open a source: ``label`` names the service, ``text`` is what a link shows."""

    label: str
    text: str
    url: str


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
        if self.pk and (old_key := self.stored_key()) not in (None, self.key):
            for _receiver, refusal in reference_key_changing.send(Reference, reference=self, old_key=old_key):
                if refusal:
                    errors["key"] = refusal
        if errors:
            raise ValidationError(errors)

    def save(self, *args, **kwargs) -> None:
        self.authors_text = "; ".join(_name_text(name) for name in self.authors or [])
        super().save(*args, **kwargs)

    def stored_key(self) -> str | None:
        """The key as the database holds it (None for a reference not saved yet)."""
        return Reference.objects.filter(pk=self.pk).values_list("key", flat=True).first()

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


def _name_text(name: dict) -> str:
    if "literal" in name:
        return name["literal"]
    return " ".join(part for part in (name.get("given", ""), name.get("family", "")) if part)
