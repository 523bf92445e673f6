"""BibTeX files, read and written with bibtexparser 2; LaTeX decoded to Unicode with pylatexenc.

Reading: ``@string`` macros are resolved (also inside ``#`` concatenations, which bibtexparser
leaves alone), names are split by bibtexparser's middlewares, and LaTeX is decoded field by
field here rather than by ``LatexDecodingMiddleware``, so that URLs and DOIs, where ``%`` and
``_`` are not LaTeX, stay as written. ``crossref`` is not followed. Writing: UTF-8, escaping only
the characters LaTeX would choke on, and bracing words like "DNA" or "eLife" so that styles
which lower-case titles leave them alone.
"""

import re

import bibtexparser
from bibtexparser import middlewares
from bibtexparser.exceptions import BlockAbortedException
from bibtexparser.library import Library
from bibtexparser.model import Entry, Field, MiddlewareErrorBlock, ParsingFailedBlock
from pylatexenc import latexwalker, macrospec
from pylatexenc.latex2text import LatexNodes2Text, MacroTextSpec, get_default_latex_context_db

from .records import ParseError, build_record, date_from, keyed, read_text, year_from

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


def parse(data: bytes | str) -> list[dict]:
    library = bibtexparser.parse_string(
        read_text(data),
        append_middleware=[
            middlewares.NormalizeFieldKeys(),
            _ResolveConcatenation(),
            middlewares.SeparateCoAuthors(),
            middlewares.SplitNameParts(),
        ],
    )
    if library.failed_blocks:
        raise ParseError(_failure_message(library.failed_blocks[0]))
    if not library.entries:
        raise ParseError("No BibTeX entries found: an entry looks like '@article{key, title = {…}, …}'.")
    return [_record(entry) for entry in library.entries]


def _failure_message(block: ParsingFailedBlock) -> str:
    where = f"BibTeX, the block starting on line {block.start_line + 1}"
    error = block.error
    if isinstance(error, BlockAbortedException):
        return f"{where} is malformed: {error.abort_reason.strip()} (unbalanced braces or quotes?)"
    if isinstance(block, MiddlewareErrorBlock):
        return f"{where} has a name that cannot be read: {error}"
    return f"{where}: {error}"


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


def _record(entry: Entry) -> dict:
    def text(*names: str) -> str:
        for name in names:
            value = entry.fields_dict.get(name)
            if value is not None and str(value.value).strip():
                return str(value.value) if name in _VERBATIM else latex_to_text(str(value.value))
        return ""

    entry_type = entry.entry_type.lower()
    csl_type = TYPES.get(entry_type) or ("webpage" if entry_type == "misc" and text("url") else "document")
    url = text("url")
    doi = text("doi") or (url if re.match(r"https?://(dx\.)?doi\.org/10\.", url, re.IGNORECASE) else "")
    return build_record(
        type=csl_type,
        key=entry.key,
        authors=_names(entry, "author"),
        editors=_names(entry, "editor"),
        title=text("title"),
        container_title=text("booktitle") if csl_type in _IN_BOOK else text("journal", "journaltitle"),
        container_title_short=text("shortjournal", "journalabbrev"),
        issued_year=year_from(text("year")) or year_from(text("date")),
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
        note=text("note"),
    )


def _names(entry: Entry, field_name: str) -> list[dict]:
    """CSL names from bibtexparser's NameParts; a name that is one braced group is an organisation."""
    field = entry.fields_dict.get(field_name)
    names = []
    for parts in field.value if field else []:
        if not (parts.first or parts.von or parts.jr) and len(parts.last) == 1 and parts.last[0][:1] == "{":
            names.append({"literal": latex_to_text(parts.last[0])})
            continue
        family = " ".join(latex_to_text(part) for part in parts.von + parts.last + parts.jr)
        given = " ".join(latex_to_text(part) for part in parts.first)
        names.append({"family": family, "given": given})
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
