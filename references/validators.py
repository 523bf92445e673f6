"""Model-field validator: every citation key in a Markdown text must name a Reference."""

from django.core.exceptions import ValidationError

from .citations import extract_citations


def unknown_keys(text: str) -> list[str]:
    """Keys cited in ``text`` that match no Reference, in order of first appearance."""
    from .models import Reference

    cited = list(dict.fromkeys(item.key for group in extract_citations(text or "") for item in group))
    if not cited:
        return []
    known = set(Reference.objects.filter(key__in=cited).values_list("key", flat=True))
    return [key for key in cited if key not in known]


def validate_citations(text: str) -> None:
    missing = unknown_keys(text)
    if missing:
        listed = ", ".join(f"@{key}" for key in missing)
        raise ValidationError(
            "Unknown citation key%(s)s in this text: %(keys)s. Add the reference first, or correct the key.",
            code="unknown_citation",
            params={"s": "s" if len(missing) > 1 else "", "keys": listed},
        )
