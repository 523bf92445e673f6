"""The About / editorial policy page: who writes, how pages are reviewed, funding, contact.

One row (``AboutPage.load``), edited in the admin, shown at ``/about/`` and linked from every
footer. Its Markdown is rendered to cached HTML in ``save()``, like a document's.
"""

from django.db import models
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET

from .markdown import render_markdown

SECTIONS = (
    ("introduction", "About this site"),
    ("who_writes", "Who writes the pages"),
    ("review", "How pages are reviewed"),
    ("funding", "Funding and independence"),
    ("contact", "Contact"),
)


def _section(help_text: str):
    return models.TextField(blank=True, help_text=f"{help_text} Markdown.")


class AboutPage(models.Model):
    """The site's single About page (always pk 1)."""

    SINGLETON_PK = 1

    introduction = _section("What the site is for and who it is for.")
    who_writes = _section("Who writes the pages, and their qualifications.")
    review = _section("How pages are checked: medical review, how often, and how evidence is graded.")
    funding = _section("Who pays for the site; advertising and conflicts of interest.")
    contact = _section("How readers reach the editors, and how to report an error.")
    html = models.JSONField(default=dict, editable=False, help_text="Each section rendered to HTML.")
    updated = models.DateTimeField("last updated", default=timezone.now, editable=False)

    class Meta:
        verbose_name = "About page"
        verbose_name_plural = "About page"
        ordering = ["pk"]

    def __str__(self) -> str:
        return "About and editorial policy"

    def get_absolute_url(self) -> str:
        return reverse("about")

    def save(self, *args, **kwargs) -> None:
        self.pk = self.SINGLETON_PK
        self.html = {name: render_markdown(getattr(self, name)).html for name, _ in SECTIONS}
        self.updated = timezone.now()
        super().save(*args, **kwargs)

    @classmethod
    def load(cls) -> "AboutPage":
        """The stored page, or an empty unsaved one before anyone has written it."""
        return cls.objects.filter(pk=cls.SINGLETON_PK).first() or cls(pk=cls.SINGLETON_PK)

    @property
    def sections(self) -> list[tuple[str, str, str]]:
        """(anchor, heading, html) of every section with text, in reading order."""
        return [(name, heading, self.html[name]) for name, heading in SECTIONS if self.html.get(name)]


DEMO_TEXT = {
    "introduction": (
        "Cramps explains, in plain language, what research says about muscle cramps, neuropathy "
        "and the nutrients linked to them. Every statement about health cites its source, and each "
        "nutrient page states how strong the evidence is. The pages are general information, not "
        "medical advice: talk to a doctor or pharmacist about your own situation."
    ),
    "who_writes": (
        "Pages are written by the site's editors from the sources they cite, in their own words. "
        "A writer drafts a page and submits it for review; a publisher makes it public once it has "
        "been reviewed."
    ),
    "review": (
        "Before a page is published, a medical reviewer checks that each claim matches its source "
        "and that the evidence grade is fair. The reviewer's name and the review date are shown on "
        "each reviewed page. Pages are reviewed again when new research changes the picture, and "
        "the aim is to check every page at least once a year. Evidence grades run from *strong* "
        "(consistent results from several good trials) to *insufficient* (theory, case reports "
        "or expert opinion only), and *not supported* when trials found no benefit."
    ),
    "funding": (
        "This is a demonstration site with no funding, advertising or sponsorship. It sells nothing "
        "and links to no shops."
    ),
    "contact": (
        "To report an error or suggest a source, write to the editors at editors@example.org "
        "(a demonstration address). Please do not send personal medical questions."
    ),
}


def about_page_demo() -> bool:
    """Fill the About page with demonstration text if nobody has written it; True if it did."""
    if AboutPage.objects.exists():
        return False
    AboutPage(**DEMO_TEXT).save()
    return True


@require_GET
def about(request: HttpRequest) -> HttpResponse:
    """``/about/``: the About / editorial policy page. Template: ``cramps/about.html``."""
    return render(request, "cramps/about.html", {"page": AboutPage.load()})
