"""Site search: one ranked, paginated search over published articles, nutrients and references.

``search_query(text)`` reads a query (the words, capped as the reference search caps them, and a
PMID or DOI when the whole query is one); ``site_search(query, user)`` finds the matching rows of
each kind through the database's full-text index (``index.py``), and returns them ranked in one
list a ``Paginator`` pages through: a match in a title or another name (a nutrient's aliases, a
reference's authors or PMID) comes before any match in the text, pages before references, then
the database's relevance score (the tiers are below). ``search_hits`` turns one page of that
list into what the results page shows, with highlighted snippets, loading only the rows and
columns of that page.
"""

import re
from dataclasses import dataclass, field
from html import escape

from django.db import connection
from django.db.models import BooleanField, CharField, FloatField, IntegerField, QuerySet, Value
from django.db.models.expressions import RawSQL
from django.utils.safestring import SafeString, mark_safe

from references import identifiers
from references.models import SEARCH_MAX_TERMS, Reference, search_terms

from ..models import Article, Nutrient
from ..templatetags.cramps import teaser
from .index import INDEXES, PG_CONFIG, Index

# A longer query is refused (400): nobody types one, and a pasted page is not a search.
SEARCH_MAX_LENGTH = 200
RESULTS_PER_PAGE = 20
# Results come in tiers, best first: the reference with the PMID or DOI searched for; pages, then
# references, with every word in a title or other name; then the rest, by score.
EXACT_TIER, PAGE_TITLE_TIER, REFERENCE_TITLE_TIER = 3, 2, 1
# Private-use characters mark matches in a snippet until it is escaped, then become <mark>.
_START, _END = "\ue000", "\ue001"
_WORD = re.compile(r"\w+")
# Citations, also those a snippet cut in two ("[@rude1998" at its end, "@rude1998]" at its start).
_MARKDOWN_CITATION = re.compile(r"\[[^\[\]]*@[^\[\]]*(?:\]|$)|-?@\w[\w:.#$%&+?<>~/-]*\]?")
_MARKDOWN_LINK = re.compile(r"\[([^\[\]]*)\]\([^()]*\)")
_MARKDOWN_MARKUP = re.compile(r"(?m)^\s*(?:[-*+>]|\d+\.)\s+|#{1,6}\s+|[*_`]+")
_SPACE_BEFORE_PUNCTUATION = re.compile(r"\s+([,.;:!?)])")


class QueryTooLong(ValueError):
    pass


@dataclass(frozen=True)
class SearchQuery:
    """What a search looks for: ``words`` (each a run of letters and digits), maybe an identifier."""

    text: str
    words: tuple[str, ...]
    pmid: str = ""
    doi: str = ""
    words_dropped: bool = False

    def __bool__(self) -> bool:
        return bool(self.words or self.pmid or self.doi)


def search_query(text: str) -> SearchQuery:
    """Read a visitor's query. Raises ``QueryTooLong`` beyond ``SEARCH_MAX_LENGTH`` characters."""
    text = " ".join((text or "").split())
    if len(text) > SEARCH_MAX_LENGTH:
        raise QueryTooLong(f"Search for at most {SEARCH_MAX_LENGTH} characters (this was {len(text)}).")
    words = tuple(word for term in search_terms(text) for word in _WORD.findall(term))[: SEARCH_MAX_TERMS * 2]
    pmid = identifiers.normalize_pmid(text)
    return SearchQuery(
        text=text,
        words=words,
        pmid=pmid if identifiers.is_valid_pmid(pmid) else "",
        doi=identifiers.valid_doi(text),
        words_dropped=len(text.split()) > SEARCH_MAX_TERMS,
    )


@dataclass(frozen=True)
class _Fragments:
    """The SQL of one kind's search on this database: which rows match, whether every word is in
    the title or another name, and the relevance score."""

    match: tuple[str, list]
    title_hit: tuple[str, list]
    score: tuple[str, list]


def _terms(query: SearchQuery) -> str:
    return " ".join(query.words)


def _fts_phrases(query: SearchQuery, columns: str = "") -> str:
    prefix = f"{{{columns}}} : " if columns else ""
    return " AND ".join(f'{prefix}"{word}"' for word in query.words)


def _fragments(index: Index, query: SearchQuery) -> _Fragments:
    table = index.table
    if connection.vendor == "postgresql":
        tsquery = f"plainto_tsquery('{PG_CONFIG}'::regconfig, %s)"
        return _Fragments(
            match=(f"{table}.search_vector @@ {tsquery}", [_terms(query)]),
            # Every word with weight A (a title or other name): "magnesium:A & cramp:A".
            title_hit=(
                f"{table}.search_vector @@ to_tsquery('{PG_CONFIG}'::regconfig, %s)",
                [" & ".join(f"{word}:A" for word in query.words)],
            ),
            score=(f"ts_rank({table}.search_vector, {tsquery})", [_terms(query)]),
        )
    fts = index.fts_table
    row = f"{fts} MATCH %s AND {fts}.rowid = {table}.id"
    return _Fragments(
        match=(f"{table}.id IN (SELECT rowid FROM {fts} WHERE {fts} MATCH %s)", [_fts_phrases(query)]),
        title_hit=(
            f"EXISTS (SELECT 1 FROM {fts} WHERE {row})",
            [_fts_phrases(query, "title names")],
        ),
        # bm25 is lower for better matches; a title counts ten times, other names eight.
        score=(f"(SELECT -bm25({fts}, 10.0, 8.0, 1.0) FROM {fts} WHERE {row})", [_fts_phrases(query)]),
    )


def _snippet_sql(index: Index, query: SearchQuery) -> tuple[str, list]:
    if connection.vendor == "postgresql":
        options = f'StartSel={_START}, StopSel={_END}, MaxWords=30, MinWords=12, MaxFragments=2, FragmentDelimiter=" … "'
        return (
            f"ts_headline('{PG_CONFIG}'::regconfig, {index.text}, "
            f"plainto_tsquery('{PG_CONFIG}'::regconfig, %s), %s)",
            [_terms(query), options],
        )
    fts = index.fts_table
    return (
        f"(SELECT snippet({fts}, 2, %s, %s, ' … ', 24) FROM {fts} "
        f"WHERE {fts} MATCH %s AND {fts}.rowid = {index.table}.id)",
        [_START, _END, _fts_phrases(query)],
    )


def _raw(fragment: tuple[str, list], output_field) -> RawSQL:
    return RawSQL(fragment[0], fragment[1], output_field=output_field)


def _search_sql(kind: str, query: SearchQuery, title_tier: int, exact: tuple[str, list] | None):
    """(match, tier, score) SQL of one kind; the tier orders before the score: ``EXACT_TIER`` for
    an identifier, ``title_tier`` when every word is in the title or another name, else 0."""
    if query.words:
        sql = _fragments(INDEXES[kind], query)
        match = sql.match
        tier = (f"CASE WHEN {sql.title_hit[0]} THEN {title_tier} ELSE 0 END", sql.title_hit[1])
        score = (f"COALESCE({sql.score[0]}, 0)", sql.score[1])
    else:
        match, tier, score = ("1 = 0", []), ("0", []), ("0", [])
    if exact is not None:
        match = (f"({match[0]}) OR ({exact[0]})", match[1] + exact[1])
        tier = (f"CASE WHEN {exact[0]} THEN {EXACT_TIER} ELSE {tier[0]} END", exact[1] + tier[1])
    return match, tier, score


class SearchResults:
    """What a ``Paginator`` pages through: (pk, kind, tier, score) rows, best first.

    Counting filters each kind by the index alone (no ranking); a page is one ranked
    ``UNION ALL`` sliced in the database.
    """

    def __init__(self, parts: list[tuple[QuerySet, str, int, tuple[str, list] | None]], query: SearchQuery):
        self.matching, ranked = [], []
        for queryset, kind, title_tier, exact in parts if query else []:
            match, tier, score = _search_sql(kind, query, title_tier, exact)
            matching = queryset.filter(_raw(match, BooleanField())).order_by()
            self.matching.append(matching)
            ranked.append(
                matching.annotate(
                    result_kind=Value(kind, output_field=CharField()),
                    tier=_raw(tier, IntegerField()),
                    score=_raw(score, FloatField()),
                ).values_list("pk", "result_kind", "tier", "score")
            )
        self.ranked = (
            ranked[0].union(*ranked[1:], all=True).order_by("-tier", "-score", "result_kind", "pk")
            if ranked
            else None
        )
        self._count = None

    def count(self) -> int:
        if self._count is None:
            self._count = sum(matching.count() for matching in self.matching)
        return self._count

    def __len__(self) -> int:
        return self.count()

    def __getitem__(self, index):
        return list(self.ranked[index]) if self.ranked is not None else []


def site_search(query: SearchQuery, user) -> SearchResults:
    """Every page and reference ``user`` may see that matches ``query``, best first."""
    return SearchResults(
        [
            (Article.objects.visible_to(user), "article", PAGE_TITLE_TIER, None),
            (Nutrient.objects.visible_to(user), "nutrient", PAGE_TITLE_TIER, None),
            (Reference.objects.all(), "reference", REFERENCE_TITLE_TIER, _identifier_match(query)),
        ],
        query,
    )


def _identifier_match(query: SearchQuery) -> tuple[str, list] | None:
    table = INDEXES["reference"].table
    conditions, params = [], []
    if query.pmid:
        conditions.append(f"{table}.pmid = %s")
        params.append(query.pmid)
    if query.doi:
        conditions.append(f"LOWER({table}.doi) = %s")
        params.append(query.doi)
    return (" OR ".join(conditions), params) if conditions else None


@dataclass
class Hit:
    """One search result as the results page shows it."""

    kind: str  # "Article", "Nutrient" or "Reference"
    title: str
    url: str
    snippet: SafeString
    details: list[str] = field(default_factory=list)


def search_hits(rows: list[tuple], query: SearchQuery) -> list[Hit]:
    """The results of one page of ``site_search`` rows, in their order."""
    wanted: dict[str, list[int]] = {}
    for pk, kind, *_ in rows:
        wanted.setdefault(kind, []).append(pk)
    found: dict[tuple[str, int], Hit] = {}
    for model, kind in ((Article, "article"), (Nutrient, "nutrient")):
        if not wanted.get(kind):
            continue
        columns = ("pk", "title", "slug", "summary_html") + (("aliases",) if model is Nutrient else ())
        documents = model.objects.filter(pk__in=wanted[kind]).only(*columns)
        if query.words:
            documents = documents.annotate(snippet=_raw(_snippet_sql(INDEXES[kind], query), CharField()))
        for document in documents:
            details = [f"Also called {document.aliases}"] if model is Nutrient and document.aliases else []
            snippet = getattr(document, "snippet", "") or ""
            found[kind, document.pk] = Hit(
                kind=document.kind_label,
                title=document.title,
                url=document.get_absolute_url(),
                snippet=highlight(snippet) if _START in snippet else _teaser(document.summary_html),
                details=details,
            )
    if wanted.get("reference"):
        references = Reference.objects.filter(pk__in=wanted["reference"]).only(
            "pk", "key", "title", "authors", "issued_year", "container_title", "container_title_short",
            "pmid", "pmcid", "doi", "url",
        )  # fmt: skip
        for reference in references:
            details = [reference.short_label, reference.container_title_short or reference.container_title]
            details += [link.text for link in reference.identifier_links if link.label != "PubMed Central"]
            found["reference", reference.pk] = Hit(
                kind="Reference",
                title=reference.title,
                url=reference.get_absolute_url(),
                snippet=mark_safe(""),
                details=[detail for detail in details if detail],
            )
    return [found[kind, pk] for pk, kind, *_ in rows if (kind, pk) in found]


def highlight(snippet: str) -> SafeString:
    """A database snippet of Markdown as safe HTML: markup and citations removed, matches in <mark>."""
    text = _MARKDOWN_CITATION.sub("", snippet)
    text = _MARKDOWN_LINK.sub(r"\1", text)
    text = _MARKDOWN_MARKUP.sub(" ", text)
    text = _SPACE_BEFORE_PUNCTUATION.sub(r"\1", " ".join(text.split()))
    if text.count(_START) != text.count(_END):  # a marker lost with removed markup
        text = text.replace(_START, "").replace(_END, "")
    html = escape(text).replace(_START, "<mark>").replace(_END, "</mark>")
    return mark_safe(html)  # escaped above: only our own markers become tags


def _teaser(summary_html: str) -> SafeString:
    return mark_safe(escape(teaser(summary_html)))
