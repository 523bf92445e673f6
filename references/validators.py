"""Citation keys in a Markdown text must name a Reference."""

import re
from urllib.parse import urlencode

from django.core.exceptions import ValidationError
from django.urls import NoReverseMatch, reverse
from django.utils.html import format_html, format_html_join

from .citations import cited_keys
from .matching import closest_key


def unknown_keys(text: str) -> list[str]:
    """Keys cited in ``text`` that match no Reference, in order of first appearance."""
    from .models import Reference

    cited = cited_keys([text or ""])
    if not cited:
        return []
    known = set(Reference.objects.filter(key__in=cited).values_list("key", flat=True))
    return [key for key in cited if key not in known]


# Stored keys compared with a mistyped one: those sharing its first two letters or its year, at most
# this many of each, so a suggestion costs two bounded queries however large the library.
SUGGESTION_CANDIDATES = 2000
# Suggestions for at most this many unknown keys of one text (two queries each).
SUGGESTED_KEYS = 10


def suggested_keys(keys: list[str]) -> dict[str, str]:
    """For each unknown key, the stored key it most likely meant (``matching.closest_key``), if any."""
    from .models import Reference

    suggestions = {}
    for key in keys[:SUGGESTED_KEYS]:
        candidates = list(Reference.objects.filter(key__istartswith=key[:2]).order_by()
                          .values_list("key", flat=True)[:SUGGESTION_CANDIDATES])  # fmt: skip
        if year := re.search(r"\d{4}", key):
            candidates += (
                Reference.objects.filter(key__contains=year[0])
                .order_by()
                .values_list("key", flat=True)[:SUGGESTION_CANDIDATES]
            )
        if suggestion := closest_key(key, candidates):
            suggestions[key] = suggestion
    return suggestions


def unknown_keys_message(keys: list[str]) -> str:
    """What is wrong, what was probably meant, and a link to add the reference (a new tab keeps the form)."""
    suggestions = suggested_keys(keys)
    listed = format_html_join(
        ", ",
        "@{}{}",
        ((key, f" (did you mean @{suggestions[key]}?)" if key in suggestions else "") for key in keys),
    )
    try:
        add_url = reverse("admin:references_reference_add")
    except NoReverseMatch:
        add_url = ""
    add = (
        format_html(
            '<a href="{}?{}" target="_blank" rel="noopener">Add the reference</a>',
            add_url,
            urlencode({"key": keys[0]}),
        )
        if add_url
        else "Add the reference"
    )
    return format_html(
        "Unknown citation key{} in this text: {}. {} first, or correct the key "
        "(write \\@ for an @ sign that is not a citation).",
        "s" if len(keys) > 1 else "",
        listed,
        add,
    )


def validate_citations(text: str) -> None:
    """Unknown keys only: the rule a reference's study summary keeps by itself (``references``
    cannot run the content app's sanitiser; its admin form adds that). Content fields use
    ``cramps.validators.validate_markdown``, which also checks the syntax and the sanitiser."""
    if missing := unknown_keys(text):
        raise ValidationError(unknown_keys_message(missing), code="unknown_citation")
