"""Checks over the whole reference library: duplicates and malformed identifiers."""

from collections.abc import Iterable
from dataclasses import dataclass

from . import identifiers
from .matching import find_matches
from .models import Reference


@dataclass(frozen=True)
class Problem:
    reference: Reference
    message: str


def find_duplicates(references: Iterable[Reference]) -> list[Problem]:
    """References that are the same work as an earlier one (``matching.find_matches``), one
    problem per group, on its first member."""
    references = list(references)
    groups: dict[int, list[Reference]] = {}
    reasons: dict[int, str] = {}
    for index, match in enumerate(find_matches([reference.record for reference in references])):
        if match is not None:
            groups.setdefault(match.earlier, [references[match.earlier]]).append(references[index])
            reasons.setdefault(match.earlier, match.reason)
    return [
        Problem(members[0], f"{reasons[first]} as {', '.join(f'@{member.key}' for member in members[1:])}")
        for first, members in groups.items()
    ]


def malformed_identifiers(references: Iterable[Reference]) -> list[Problem]:
    problems = []
    for reference in references:
        if reference.doi and not identifiers.is_valid_doi(identifiers.normalize_doi(reference.doi)):
            problems.append(Problem(reference, f"malformed DOI “{reference.doi}”"))
        if reference.pmid and not identifiers.is_valid_pmid(identifiers.normalize_pmid(reference.pmid)):
            problems.append(Problem(reference, f"malformed PMID “{reference.pmid}”"))
        if reference.pmcid and not identifiers.is_valid_pmcid(identifiers.normalize_pmcid(reference.pmcid)):
            problems.append(Problem(reference, f"malformed PMCID “{reference.pmcid}”"))
    return problems
