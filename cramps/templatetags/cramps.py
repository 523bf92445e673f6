"""Template helpers for showing documents."""

from html import unescape

from django import template
from django.utils.html import strip_tags
from django.utils.safestring import mark_safe

from references.citations import remove_citations

from ..citing import CitationContext

register = template.Library()


@register.filter
def cite(html: str, citations: CitationContext) -> str:
    """Number the citation placeholders in cached, already-sanitised HTML."""
    return mark_safe(citations.apply(html))


@register.filter
def teaser(html: str) -> str:
    """Plain text of a rendered summary without its citations, for cards and meta tags.

    Entities are decoded (``&amp;`` → ``&``): the result is text, which the template escapes
    once, so "B12 & folate" shows as typed.
    """
    return unescape(strip_tags(remove_citations(html)))


@register.filter
def headline(label: str) -> str:
    """The words before a label's colon: "Limited" of "Limited: small or few studies"."""
    return str(label).partition(":")[0]
