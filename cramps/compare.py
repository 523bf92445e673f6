"""Nutrients side by side, built only from their structured fields, with one citation numbering.

Used by the comparison page (``views.compare``) and the comparison handout
(``handouts.document``), so both show the same cells in the same order. Citations are numbered
by first appearance in reading order, row by row (role, evidence, intake, foods, who is at risk,
interactions), left to right: the rule every page follows (``references.citations.number_keys``).
"""

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from django.db.models import QuerySet

from references.bibliography import formatted_entries
from references.citations import cited_keys, number_keys
from references.models import Reference

from .citing import CitationContext, Entry
from .models import EvidenceGrade, FoodSource, IntakeValue, Interaction, LifeStage, Nutrient

MIN_NUTRIENTS, MAX_NUTRIENTS = 2, 4
TOP_FOODS = 3


class ComparisonRefused(Exception):
    """The request names too few, too many or unknown nutrients; ``status`` and ``message`` say which."""

    def __init__(self, status: int, message: str):
        super().__init__(message)
        self.status = status
        self.message = message


def requested_slugs(values: Iterable[str]) -> list[str]:
    """``nutrients`` as repeated parameters (the form's checkboxes), comma lists, or both; in order, once each."""
    slugs = (slug.strip() for value in values for slug in value.split(","))
    return list(dict.fromkeys(slug for slug in slugs if slug))


def comparison_nutrients(slugs: Sequence[str], queryset: QuerySet) -> list[Nutrient]:
    """The nutrients to compare, in the order asked for, with what the comparison shows prefetched.

    ``queryset`` decides visibility (``Nutrient.objects.visible_to(user)``). Raises
    ComparisonRefused: 400 for too few or too many, 404 for a slug that is not there.
    """
    if len(slugs) < MIN_NUTRIENTS:
        raise ComparisonRefused(400, f"Choose at least {MIN_NUTRIENTS} nutrients to compare.")
    if len(slugs) > MAX_NUTRIENTS:
        raise ComparisonRefused(
            400, f"Choose at most {MAX_NUTRIENTS} nutrients to compare; {len(slugs)} were asked for."
        )
    found = {
        nutrient.slug: nutrient
        for nutrient in queryset.filter(slug__in=slugs).prefetch_related(
            "intake_values", "food_sources", "interactions"
        )
    }
    if missing := [slug for slug in slugs if slug not in found]:
        raise ComparisonRefused(404, f"There is no published nutrient “{missing[0]}”. Choose from the list.")
    return [found[slug] for slug in slugs]


@dataclass(frozen=True)
class Column:
    """What the comparison shows of one nutrient."""

    nutrient: Nutrient
    intakes: list[IntakeValue]
    foods: list[FoodSource]
    interactions: list[Interaction]

    @classmethod
    def of(cls, nutrient: Nutrient) -> "Column":
        return cls(
            nutrient=nutrient,
            intakes=[row for row in nutrient.intake_values.all() if row.life_stage == LifeStage.ADULTS],
            foods=list(nutrient.food_sources.all())[:TOP_FOODS],
            interactions=list(nutrient.interactions.all()),
        )


@dataclass(frozen=True)
class Comparison:
    columns: list[Column]
    citations: CitationContext
    grades: list[tuple[str, str]]  # the evidence legend: (value, label) of every grade

    @property
    def nutrients(self) -> list[Nutrient]:
        return [column.nutrient for column in self.columns]


def _texts_in_reading_order(columns: Sequence[Column]) -> list[str]:
    rows = [
        [column.nutrient.role for column in columns],
        [text for column in columns for row in column.intakes for _, text in row.cited_texts()],
        [text for column in columns for row in column.foods for _, text in row.cited_texts()],
        [column.nutrient.at_risk for column in columns],
        [text for column in columns for row in column.interactions for _, text in row.cited_texts()],
    ]
    return [text for row in rows for text in row]


def comparison_citations(columns: Sequence[Column]) -> CitationContext:
    """One numbering and reference list for everything the comparison cites (unknown keys left out)."""
    keys = cited_keys(_texts_in_reading_order(columns))
    known = Reference.objects.in_bulk(keys, field_name="key")
    numbering = number_keys(key for key in keys if key in known)
    html = formatted_entries(known[key] for key in numbering)
    entries = [Entry(number, known[key], html[known[key].pk]) for key, number in numbering.items()]
    return CitationContext(numbering=numbering, entries=entries)


def comparison_build(nutrients: Sequence[Nutrient]) -> Comparison:
    columns = [Column.of(nutrient) for nutrient in nutrients]
    return Comparison(columns=columns, citations=comparison_citations(columns), grades=EvidenceGrade.choices)
