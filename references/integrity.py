"""Checks over the whole reference library: duplicates and malformed identifiers."""

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

from . import identifiers
from .formats.records import describe_identity, match_keys
from .models import Reference


@dataclass(frozen=True)
class Problem:
    reference: Reference
    message: str


def find_duplicates(references: Iterable[Reference]) -> list[Problem]:
    groups: dict[tuple, list[Reference]] = defaultdict(list)
    for reference in references:
        for identity in match_keys(reference.record):
            groups[identity].append(reference)
    problems, reported = [], set()
    for identity, members in groups.items():
        keys = tuple(sorted(member.key for member in members))
        if len(members) > 1 and keys not in reported:
            reported.add(keys)
            others = ", ".join(f"@{key}" for key in keys[1:])
            problems.append(Problem(members[0], f"{describe_identity(identity)} as {others}"))
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
