"""When two records are the same work, and the citation key a new one gets. Pure, no Django.

Two records are the same work when they share a DOI, else a PMID, else a normalised title
with the same first author's family name and year and compatible types (a book and a journal
article by one author with one title in one year are two works). ``match_keys`` gives a
record's identities, strongest first; ``find_matches`` is the one duplicate check, run over a
batch of records against stored ones and against each other, by import, the look-up preview,
content transfer and the library's integrity check alike.
"""

import difflib
import itertools
import re
import string
import unicodedata
from collections.abc import Hashable, Iterable, Iterator, Sequence
from dataclasses import dataclass

from . import identifiers

_IDENTITY_LABELS = {"doi": "DOI", "pmid": "PMID"}
# Types that may describe one work, by the family each belongs to. "document" (a type a source
# had that Cramps does not model) could be anything, so it is compatible with every type.
_TYPE_FAMILIES = {
    "article-journal": "article",
    "article": "article",
    "paper-conference": "article",
    "book": "book",
    "report": "book",
    "thesis": "book",
    "chapter": "chapter",
    "webpage": "webpage",
    "dataset": "dataset",
}


def match_keys(record: dict) -> list[tuple]:
    """The identities two records are the same work by, strongest first.

    ``("doi", doi)``, ``("pmid", pmid)``, then ``("title", normalised title, first author's
    family name casefolded, year)``; a record with no title and no identifier has none. Type
    compatibility, which only the title identity needs, is checked by ``find_matches``.
    """
    keys: list[tuple] = []
    doi = identifiers.normalize_doi(record.get("doi") or "")
    pmid = identifiers.normalize_pmid(record.get("pmid") or "")
    if doi:
        keys.append(("doi", doi))
    if pmid:
        keys.append(("pmid", pmid))
    title = identifiers.normalize_title(record.get("title") or "")
    if title:
        authors = record.get("authors") or []
        family = (authors[0].get("family") or authors[0].get("literal") or "") if authors else ""
        keys.append(("title", title, family.casefold(), record.get("issued_year")))
    return keys


def compatible_types(first: str, second: str) -> bool:
    """Whether two CSL types may describe the same work (see ``_TYPE_FAMILIES``)."""
    if not first or not second or "document" in (first, second):
        return True
    return _TYPE_FAMILIES.get(first, first) == _TYPE_FAMILIES.get(second, second)


def describe_identity(identity: tuple) -> str:
    """``("doi", "10.1/x")`` → "same DOI 10.1/x", for messages."""
    if identity[0] in _IDENTITY_LABELS:
        return f"same {_IDENTITY_LABELS[identity[0]]} {identity[1]}"
    return "same title, first author and year"


@dataclass(frozen=True)
class Match:
    """Why a record of a batch is not a new work: it is ``stored`` (that stored record's id) or
    repeats the batch's record number ``earlier`` (counting from 0), by ``identity``."""

    identity: tuple
    stored: Hashable | None = None
    earlier: int | None = None

    @property
    def reason(self) -> str:
        return describe_identity(self.identity)


class _Index:
    """Records by identity, each entry ``(type, value)``; a title identity keeps every entry so
    that a later lookup can pick the first of a compatible type."""

    def __init__(self):
        self.entries: dict[tuple, list[tuple[str, object]]] = {}

    def add(self, identities: list[tuple], csl_type: str, value: object) -> None:
        for identity in identities:
            self.entries.setdefault(identity, []).append((csl_type, value))

    def find(self, identities: list[tuple], csl_type: str) -> tuple[tuple, object] | None:
        for identity in identities:
            for entry_type, value in self.entries.get(identity, ()):
                if identity[0] != "title" or compatible_types(csl_type, entry_type):
                    return identity, value
        return None


def find_matches(records: Sequence[dict], stored: Iterable[tuple[Hashable, dict]] = ()) -> list[Match | None]:
    """For each record, the ``Match`` that makes it a duplicate, or None for a new work.

    ``stored`` gives ``(id, record)`` pairs of what is already kept (the library, or the stored
    records that could match: see ``Reference.objects.same_work_candidates``). A record that
    repeats an earlier one of the batch is a duplicate of that one, even when both are stored
    works: the first record of the batch to find a stored work claims it.
    """
    library, batch = _Index(), _Index()
    for pk, record in stored:
        library.add(match_keys(record), record.get("type") or "", pk)
    claimed: dict[Hashable, int] = {}
    matches: list[Match | None] = []
    for number, record in enumerate(records):
        identities, csl_type = match_keys(record), record.get("type") or ""
        earlier = batch.find(identities, csl_type)
        found = library.find(identities, csl_type)
        if earlier is None and found is not None and found[1] in claimed:
            earlier = (found[0], claimed[found[1]])
        if earlier is not None:
            matches.append(Match(earlier[0], earlier=earlier[1]))
            continue
        if found is not None:
            claimed[found[1]] = number
            matches.append(Match(found[0], stored=found[1]))
        else:
            matches.append(None)
        batch.add(identities, csl_type, number)
    return matches


# Citation keys ------------------------------------------------------------------------------

_CYRILLIC = dict(
    zip(
        "абвгдеёжзийклмнопрстуфхцчшщъыьэюя",
        "a b v g d e e zh z i i k l m n o p r s t u f kh ts ch sh shch - y - e yu ya".split(),
        strict=True,
    )
)


def key_base(record: dict) -> str:
    """``rude1998``: the first author's family name folded to ASCII letters, and the year.

    Cyrillic is transliterated ("Викторов" gives ``viktorov``); an organisation gives its
    initials ("World Health Organization" → ``who``); no author gives ``anon``, no year ``nd``.
    """
    return _key_name(record.get("authors") or [])[:40] + str(record.get("issued_year") or "nd")


def make_key(record: dict, taken: set[str]) -> str:
    """``key_base``, then ``rude1998a``, ``rude1998b``… for keys already in ``taken``."""
    base = key_base(record)
    return next(base + suffix for suffix in _suffixes() if base + suffix not in taken)


def _suffixes() -> Iterator[str]:
    yield ""
    for length in itertools.count(1):
        for letters in itertools.product(string.ascii_lowercase, repeat=length):
            yield "".join(letters)


def _key_name(authors: list[dict]) -> str:
    if not authors:
        return "anon"
    first = authors[0]
    if first.get("family"):
        name = first["family"]
    else:
        words = [word for word in (first.get("literal") or "").split() if word[:1].isupper()]
        name = "".join(word[0] for word in words) if len(words) > 1 else first.get("literal") or ""
    name = "".join(_CYRILLIC.get(char, char) for char in name.casefold())
    name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z]", "", name) or "anon"


def keyed(records: list[dict]) -> Iterator[tuple[dict, str]]:
    """Each record with its key; one without a key gets a fresh one from ``make_key``."""
    taken = {record["key"] for record in records if record["key"]}
    for record in records:
        key = record["key"] or make_key(record, taken)
        taken.add(key)
        yield record, key


def closest_key(key: str, candidates: Iterable[str]) -> str:
    """The candidate a mistyped ``key`` most likely meant (``garison2020`` → ``garrison2020``), or ""."""
    by_folded = {candidate.casefold(): candidate for candidate in candidates}
    close = difflib.get_close_matches(key.casefold(), list(by_folded), n=1, cutoff=0.75)
    return by_folded[close[0]] if close else ""
