"""Checks over the whole reference library: duplicates and malformed identifiers."""

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

from . import identifiers
from .models import Reference


@dataclass(frozen=True)
class Problem:
    reference: Reference
    message: str


def duplicate_identity(reference: Reference) -> list[tuple]:
    """The identities under which two records are the same work, strongest first."""
    identities = []
    if reference.doi:
        identities.append(("DOI", identifiers.normalize_doi(reference.doi)))
    if reference.pmid:
        identities.append(("PMID", identifiers.normalize_pmid(reference.pmid)))
    title = identifiers.normalize_title(reference.title)
    if title:
        identities.append(("title, first author and year", title, reference.first_author_family.casefold(),
                           reference.issued_year))  # fmt: skip
    return identities


def find_duplicates(references: Iterable[Reference]) -> list[Problem]:
    groups: dict[tuple, list[Reference]] = defaultdict(list)
    for reference in references:
        for identity in duplicate_identity(reference):
            groups[identity].append(reference)
    problems, reported = [], set()
    for identity, members in groups.items():
        keys = tuple(sorted(member.key for member in members))
        if len(members) > 1 and keys not in reported:
            reported.add(keys)
            others = ", ".join(f"@{key}" for key in keys[1:])
            problems.append(Problem(members[0], f"same {identity[0]} as {others}"))
    return problems


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
