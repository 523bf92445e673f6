"""BibTeX files, read and written with bibtexparser 2; LaTeX decoded to Unicode with pylatexenc.

Reading: ``@string`` macros are resolved (also inside ``#`` concatenations, which bibtexparser
leaves alone), names are split with bibtexparser's name rules, and LaTeX is decoded field by
field here rather than by ``LatexDecodingMiddleware``, so that URLs and DOIs, where ``%`` and
``_`` are not LaTeX, stay as written. ``crossref`` is not followed. As BibTeX itself does, a
field repeated within an entry (Scopus writes ``funding_details`` twice) keeps its first value
and a repeated entry key is not fatal; both are reported as warnings. Writing: UTF-8, escaping only
the characters LaTeX would choke on, and bracing words like "DNA" or "eLife" so that styles
which lower-case titles leave them alone.
"""

import re

import bibtexparser
from bibtexparser import middlewares
from bibtexparser.exceptions import BlockAbortedException
from bibtexparser.library import Library
from bibtexparser.middlewares.names import (
    InvalidNameError,
    parse_single_name_into_parts,
    split_multiple_persons_names,
)
from bibtexparser.middlewares.parsestack import default_parse_stack
from bibtexparser.model import (
    DuplicateBlockKeyBlock,
    DuplicateFieldKeyBlock,
    Entry,
    Field,
    ParsingFailedBlock,
)
from pylatexenc import latexwalker, macrospec
from pylatexenc.latex2text import LatexNodes2Text, MacroTextSpec, get_default_latex_context_db

from .. import identifiers
from ..matching import keyed
from ..record import Problem, build_record, is_trailing_suffix
from ..text import date_from
from .common import ParsedRecords, ParseError, read_text

TYPES = {
    "article": "article-journal",
    "book": "book",
    "proceedings": "book",
    "inbook": "chapter",
    "incollection": "chapter",
    "inproceedings": "paper-conference",
    "conference": "paper-conference",
    "techreport": "report",
    "report": "report",
    "phdthesis": "thesis",
    "mastersthesis": "thesis",
    "thesis": "thesis",
    "online": "webpage",
    "electronic": "webpage",
    "www": "webpage",
    "dataset": "dataset",
}
WRITE_TYPES = {
    "article-journal": "article",
    "book": "book",
    "chapter": "incollection",
    "paper-conference": "inproceedings",
    "report": "techreport",
    "thesis": "phdthesis",
    "webpage": "misc",
    "dataset": "dataset",
    "article": "misc",
    "document": "misc",
}
# Types whose container is a book (``booktitle``); any other's is a journal, series or site (``journal``).
_IN_BOOK = ("chapter", "paper-conference")
# Fields whose text is not LaTeX: decoding would cut a URL at its first "%".
_VERBATIM = {"url", "doi", "pmid", "pmcid", "isbn", "issn", "eprint", "file", "urldate"}
_MONTHS = dict(
    zip(
        "jan feb mar apr may jun jul aug sep oct nov dec".split(),
        "January February March April May June July August September October November December".split(),
        strict=True,
    )
)
_LATEX_SPECIALS = {"&": r"\&", "%": r"\%", "$": r"\$", "#": r"\#", "_": r"\_", "{": r"\{", "}": r"\}"}
_LATEX_SPECIALS.update({"~": r"\textasciitilde{}", "^": r"\textasciicircum{}", "\\": r"\textbackslash{}"})


def _latex_decoder() -> tuple[LatexNodes2Text, macrospec.LatexContextDb]:
    """pylatexenc, told about the few macros bibliographies use that it would otherwise drop or keep."""
    parsing = latexwalker.get_default_latex_context_db()
    parsing.add_context_category(
        "bibtex",
        prepend=True,
        macros=[macrospec.MacroSpec(name, "{") for name in ("noopsort", "mbox", "url")],
    )
    text = get_default_latex_context_db()
    text.add_context_category(
        "bibtex",
        prepend=True,
        macros=[
            MacroTextSpec("noopsort", discard=True),  # a sorting trick: \noopsort{1973b}1973 is "1973"
            MacroTextSpec("mbox", "%(1)s"),
            MacroTextSpec("url", "%(1)s"),
            MacroTextSpec("textasciicircum", "^"),  # not pylatexenc's "ˆ": what ``dump`` writes for "^"
        ],
    )
    return LatexNodes2Text(latex_context=text, math_mode="text"), parsing


_DECODER, _PARSING_CONTEXT = _latex_decoder()


def latex_to_text(value: str) -> str:
    return _DECODER.latex_to_text(value, latex_context=_PARSING_CONTEXT)


def parse(data: bytes | str) -> ParsedRecords:
    # Split only; repeated fields and keys are dealt with here, then the middlewares run.
    library = bibtexparser.parse_string(read_text(data), parse_stack=[])
    problems: dict[int, list[Problem]] = {}
    for block in library.failed_blocks:
        if not isinstance(block, DuplicateFieldKeyBlock | DuplicateBlockKeyBlock):
            raise ParseError(_failure_message(block))
        entry = block.ignore_error_block
        if isinstance(block, DuplicateBlockKeyBlock):
            taken = {other.key for other in library.entries}
            new_key = next(
                f"{block.key}-{n}" for n in range(2, len(taken) + 3) if f"{block.key}-{n}" not in taken
            )
            problems.setdefault(id(entry), []).append(
                Problem(
                    "key", block.key, f"repeats the key of an earlier entry; this one becomes “{new_key}”."
                )
            )
            entry.key = new_key
        library.replace(block, entry, fail_on_duplicate_key=False)
    for entry in library.entries:
        _first_of_each_field(entry, problems.setdefault(id(entry), []))
    for middleware in [*default_parse_stack(), middlewares.NormalizeFieldKeys(), _ResolveConcatenation()]:
        library = middleware.transform(library)
    if library.failed_blocks:
        raise ParseError(_failure_message(library.failed_blocks[0]))
    if not library.entries:
        raise ParseError("No BibTeX entries found: an entry looks like '@article{key, title = {…}, …}'.")
    records, fields = [], set()
    for entry in library.entries:
        records.append(_record(entry, problems.get(id(entry), [])))
        fields |= set(entry.fields_dict)
    return ParsedRecords(records, format="bibtex", unused=sorted(fields - _READ_FIELDS))


def _first_of_each_field(entry: Entry, problems: list[Problem]) -> None:
    """Keep the first of a repeated field (BibTeX warns and does the same), naming the others."""
    seen: set[str] = set()
    kept = []
    for field in entry.fields:
        name = field.key.lower()
        if name in seen:
            problems.append(Problem(name, str(field.value), "repeats a field given earlier in the entry; "
                                                             "the first one is kept."))  # fmt: skip
            continue
        seen.add(name)
        kept.append(field)
    entry.fields = kept


def _failure_message(block: ParsingFailedBlock) -> str:
    where = f"BibTeX, the block starting on line {block.start_line + 1}"
    error = block.error
    if isinstance(error, BlockAbortedException):
        return f"{where} is malformed: {error.abort_reason.strip()} (unbalanced braces or quotes?)"
    return f"{where} cannot be read ({type(error).__name__})."


class _ResolveConcatenation(middlewares.BlockMiddleware):
    """``"Proc. Fifteenth Annual ACM" # STOC`` → one string, ``@string`` macros and months resolved."""

    def __init__(self):
        super().__init__(allow_inplace_modification=True, allow_parallel_execution=True)

    @classmethod
    def metadata_key(cls) -> str:
        return "resolve_concatenation"

    def transform_entry(self, entry: Entry, library: Library) -> Entry:
        macros = {**_MONTHS, **{key.lower(): string.value for key, string in library.strings_dict.items()}}
        for field in entry.fields:
            if field.enclosing == "no-enclosing" and isinstance(field.value, str):
                field.value = "".join(
                    _resolve_part(part, macros) for part in _split_concatenation(field.value)
                )
        return entry


def _split_concatenation(value: str) -> list[str]:
    """Split on ``#`` outside quotes and braces."""
    parts, depth, quoted, start = [], 0, False, 0
    for index, char in enumerate(value):
        if char == "{":
            depth += 1
        elif char == "}":
            depth -= 1
        elif char == '"' and depth == 0:
            quoted = not quoted
        elif char == "#" and depth == 0 and not quoted:
            parts.append(value[start:index])
            start = index + 1
    return [*parts, value[start:]]


def _resolve_part(part: str, macros: dict[str, str]) -> str:
    part = part.strip()
    if len(part) >= 2 and (part[0], part[-1]) in (("{", "}"), ('"', '"')):
        return part[1:-1]
    return macros.get(part.lower(), part)


_READ_FIELDS = {
    "author", "editor", "title", "booktitle", "journal", "journaltitle", "shortjournal", "journalabbrev", "year",
    "date", "volume", "number", "issue", "pages", "publisher", "school", "institution", "organization", "address",
    "location", "edition", "url", "doi", "pmid", "eprint", "eprinttype", "pmcid", "isbn", "urldate", "abstract",
}  # fmt: skip


def _record(entry: Entry, problems: list[Problem]) -> dict:
    def text(*names: str) -> str:
        for name in names:
            value = entry.fields_dict.get(name)
            if value is not None and str(value.value).strip():
                return str(value.value) if name in _VERBATIM else latex_to_text(str(value.value))
        return ""

    entry_type = entry.entry_type.lower()
    csl_type = TYPES.get(entry_type) or ("webpage" if entry_type == "misc" and text("url") else "document")
    url = text("url")
    doi = text("doi") or (identifiers.valid_doi(url) if re.search(r"doi\.", url, re.IGNORECASE) else "")
    authors, editors = _names(entry, "author", problems), _names(entry, "editor", problems)
    record = build_record(
        type=csl_type,
        key=entry.key,
        authors=authors,
        editors=editors,
        title=text("title"),
        container_title=text("booktitle") if csl_type in _IN_BOOK else text("journal", "journaltitle"),
        container_title_short=text("shortjournal", "journalabbrev"),
        issued_year=text("year") or text("date"),
        volume=text("volume"),
        issue=text("number", "issue") if csl_type == "article-journal" else text("issue"),
        pages=text("pages"),
        publisher=text("publisher", "school", "institution", "organization"),
        publisher_place=text("address", "location"),
        edition=text("edition"),
        url=url,
        doi=doi,
        pmid=text("pmid") or (text("eprint") if text("eprinttype").lower() == "pubmed" else ""),
        pmcid=text("pmcid"),
        isbn=text("isbn"),
        accessed=date_from(text("urldate")),
        abstract=text("abstract"),
    )
    record.problems[:0] = problems
    return record


def _names(entry: Entry, field_name: str, problems: list[Problem]) -> list[dict]:
    """CSL names, split as BibTeX does; a name that is one braced group is an organisation."""
    field = entry.fields_dict.get(field_name)
    names = []
    for text in split_multiple_persons_names(str(field.value)) if field else []:
        try:
            parts = parse_single_name_into_parts(text)
        except InvalidNameError as error:
            problems.append(
                Problem(field_name, text, f"cannot be split into name parts ({error}); read loosely.")
            )
            parts = parse_single_name_into_parts(text, strict=False)
        if not (parts.first or parts.von or parts.jr) and len(parts.last) == 1 and parts.last[0][:1] == "{":
            names.append({"literal": latex_to_text(parts.last[0])})
            continue
        if not parts.jr and len(parts.first + parts.last) > 1 and is_trailing_suffix(parts.last[-1]):
            # "Amos B. Smith Jr.": BibTeX would make "Jr." the family name; Cramps' one suffix rule does not.
            parts.jr = [parts.last.pop()]
            if not parts.last:
                parts.last = [parts.first.pop()]
        name = {
            "family": " ".join(latex_to_text(part) for part in parts.von + parts.last),
            "given": " ".join(latex_to_text(part) for part in parts.first),
            "suffix": " ".join(latex_to_text(part) for part in parts.jr),
        }
        names.append({part: value for part, value in name.items() if value})
    return names


def dump(records: list[dict]) -> str:
    """A UTF-8 BibTeX file; a record without a key gets one from ``make_key``."""
    entries = []
    for record, key in keyed(records):
        fields = [Field(name, value) for name, value in _fields(record).items() if value]
        entries.append(Entry(WRITE_TYPES[record["type"]], key, fields))
    bibtex_format = bibtexparser.BibtexFormat()
    bibtex_format.indent = "  "
    return bibtexparser.write_string(Library(entries), bibtex_format=bibtex_format)


def _fields(record: dict) -> dict[str, str]:
    csl_type = record["type"]
    container = "booktitle" if csl_type in _IN_BOOK else "journal"
    publisher = {"thesis": "school", "report": "institution"}.get(csl_type, "publisher")
    return {
        "author": _names_value(record["authors"]),
        "editor": _names_value(record["editors"]),
        "title": _protect_case(_escape(record["title"])),
        container: _protect_case(_escape(record["container_title"])),
        "shortjournal": _escape(record["container_title_short"]),
        "year": str(record["issued_year"] or ""),
        "volume": _escape(record["volume"]),
        "number" if csl_type == "article-journal" else "issue": _escape(record["issue"]),
        "pages": record["pages"].replace("-", "--"),
        publisher: _escape(record["publisher"]),
        "address": _escape(record["publisher_place"]),
        "edition": _escape(record["edition"]),
        "url": record["url"],
        "urldate": record["accessed"].isoformat() if record["accessed"] else "",
        "doi": record["doi"],
        "pmid": record["pmid"],
        "pmcid": record["pmcid"],
        "isbn": record["isbn"],
        "abstract": _escape(record["abstract"]),
        "note": _escape(record["note"]),
    }


def _names_value(names: list[dict]) -> str:
    def one(name: dict) -> str:
        if "literal" in name:
            return "{" + _escape(name["literal"]) + "}"
        family = _escape(name.get("family", ""))
        family = "{" + family + "}" if " and " in family.lower() else family
        if name.get("suffix"):  # BibTeX's "von Last, Jr, First"
            return f"{family}, {_escape(name['suffix'])}, {_escape(name.get('given', ''))}".rstrip(", ")
        return f"{family}, {_escape(name['given'])}" if name.get("given") else family

    return " and ".join(one(name) for name in names)


def _escape(text: str) -> str:
    """Text as LaTeX that reads back the same; "-{}-" keeps "--" from turning into a dash."""
    return (
        "".join(_LATEX_SPECIALS.get(char, char) for char in text).replace("--", "-{}-").replace("--", "-{}-")
    )


def _protect_case(text: str) -> str:
    """Brace words with a capital after their first letter (DNA, eLife, McArdle)."""
    return re.sub(r"(?<![\\\w])\w*[^\W\d_]\w*", lambda m: _brace_if_mixed(m.group()), text)


def _brace_if_mixed(word: str) -> str:
    return "{" + word + "}" if any(char.isupper() for char in word[1:]) else word
