"""Citation keys in a Markdown text must name a Reference."""

from django.core.exceptions import ValidationError

from .citations import cited_keys


def unknown_keys(text: str) -> list[str]:
    """Keys cited in ``text`` that match no Reference, in order of first appearance."""
    from .models import Reference

    cited = cited_keys([text or ""])
    if not cited:
        return []
    known = set(Reference.objects.filter(key__in=cited).values_list("key", flat=True))
    return [key for key in cited if key not in known]


def unknown_keys_message(keys: list[str]) -> str:
    listed = ", ".join(f"@{key}" for key in keys)
    return (
        f"Unknown citation key{'s' if len(keys) > 1 else ''} in this text: {listed}. "
        "Add the reference first, or correct the key (write \\@ for an @ sign that is not a citation)."
    )


def validate_citations(text: str) -> None:
    """Unknown keys only: the rule a reference's study summary keeps by itself (``references``
    cannot run the content app's sanitiser; its admin form adds that). Content fields use
    ``cramps.validators.validate_markdown``, which also checks the syntax and the sanitiser."""
    if missing := unknown_keys(text):
        raise ValidationError(unknown_keys_message(missing), code="unknown_citation")
