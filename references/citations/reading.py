"""Reading a Markdown text's citations with the parser that renders it."""

import re
from dataclasses import dataclass
from functools import lru_cache

from markdown_it.token import Token

from .problems import HTML_BLOCK_MARK, PROBLEMS
from .syntax import CiteGroup, markdown_parser

_GENERIC_ADVICE = "Write citations as [@key], [@a; @b] or [see @key, p. 4]; write \\@ to show an @ sign."


@dataclass(frozen=True)
class CitationProblem:
    """Text that looks like a citation but is not read as one, and what to write instead."""

    text: str
    advice: str

    def __str__(self) -> str:
        return f"“{self.text}” is not read as a citation. {self.advice}"


@dataclass(frozen=True)
class ParsedCitations:
    groups: tuple[CiteGroup, ...]
    problems: tuple[CitationProblem, ...]


_markdown = markdown_parser()


def _walk(tokens: list[Token]):
    for token in tokens:
        yield token
        if token.children:
            yield from _walk(token.children)


@lru_cache(maxsize=512)
def _read(text: str) -> tuple[tuple[CiteGroup, ...], tuple[str, ...]]:
    env: dict = {}
    tokens = _markdown.parse(text or "", env)
    groups = tuple(token.meta["group"] for token in _walk(tokens) if token.type == "citation_open")
    return groups, tuple(dict.fromkeys(env.get(PROBLEMS, [])))


def parse_citations(text: str) -> ParsedCitations:
    """Every citation in a Markdown text in reading order, and every near miss."""
    groups, snippets = _read(text)
    problems = (
        CitationProblem(snippet.removeprefix(HTML_BLOCK_MARK), _advice(snippet)) for snippet in snippets
    )
    return ParsedCitations(groups, tuple(problems))


def extract_citations(text: str) -> list[CiteGroup]:
    """Every citation group in a Markdown text, in reading order."""
    return list(parse_citations(text).groups)


def citation_problems(text: str) -> list[CitationProblem]:
    return list(parse_citations(text).problems)


def cited_keys(texts) -> list[str]:
    """Unique keys in order of first appearance across several Markdown texts."""
    keys = (key for text in texts for group in extract_citations(text) for key in group.keys)
    return list(dict.fromkeys(keys))


def _advice(snippet: str) -> str:
    """What to write instead of ``snippet``: a corrected citation when a small fix makes one."""
    if snippet.startswith(HTML_BLOCK_MARK):
        return (
            "Citations inside a block of HTML are not read: leave a blank line after its opening tag "
            "so that the Markdown inside is read, or write the citation outside the HTML."
        )
    candidate = re.sub(r"(?<![\w.])(-?)@\s+(?=\w)", r"\1@", snippet)
    candidate = re.sub(r";\s*(?=;|\]|$)", "", candidate)
    candidate = re.sub(r"^\[\s*;\s*", "[", candidate)
    candidate = re.sub(r";(?=\S)", "; ", candidate)
    # A second work inside a suffix: "[@a, cf. @b]" → "[@a; cf. @b]".
    candidate = re.sub(r",\s*([^,;@\]]*?)(?<![\w.])(-?@)", r"; \1\2", candidate)
    if candidate.count("[") > candidate.count("]"):
        candidate += "]"
    if candidate != snippet:
        groups, problems = _read(candidate)
        if not problems and [group.source for group in groups] == [candidate]:
            return f"Write “{candidate}” to cite, or \\@ to show an @ sign."
    return _GENERIC_ADVICE
