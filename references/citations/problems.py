"""Near misses: text that looks like a citation but is not read as one.

A core rule of the citation plugin, run after inline parsing while escapes are still marked.
It collects the source of each near miss in the parse's ``env[PROBLEMS]``:

- an ``@`` that could start a key inside literal square brackets: ``[@ key]``, ``[@]``, an
  unclosed ``[@a;@b`` (pandoc would read textual citations inside literal brackets);
- an ``@`` inside a citation's prefix or suffix (``[@a, cf. @b]``: pandoc nests it oddly);
- a citation in a raw HTML block, which CommonMark leaves as HTML (``reading`` words the advice).

An escaped ``\\@``, code, an ``@`` inside a word (``a@b.com``) and brackets read as a link or a
citation are fine.
"""

import re

from markdown_it.rules_core import StateCore
from markdown_it.token import Token

PROBLEMS = "citation_problems"  # where a parse's env collects problem snippets
# Raw HTML blocks are not Markdown (pandoc reads Markdown inside them, CommonMark does not).
HTML_BLOCK_MARK = "\x00html:"
_HTML_COMMENT = re.compile(r"<!--.*?(?:-->|$)", re.DOTALL)
_HTML_TAG = re.compile(r"<[^>]*>")
_CITATION_LIKE = re.compile(r"\[[^\[\]\n]*(?<![\w.])-?@[^\]\n]*\]?|(?<![\w.@])@\w+")


def find_problems(state: StateCore) -> None:
    """Collect what looks like a citation but is not one (runs while escapes are still marked)."""
    found = state.env.setdefault(PROBLEMS, [])
    for token in state.tokens:
        if token.type == "inline" and token.children:
            found.extend(_problems_in(token.children))
        elif token.type == "html_block":
            text = _HTML_TAG.sub(" ", _HTML_COMMENT.sub(" ", token.content))
            found.extend(HTML_BLOCK_MARK + match[0] for match in _CITATION_LIKE.finditer(text))


def _problems_in(children: list[Token]) -> list[str]:
    found = []
    depth, snippet, flagged = 0, [], False  # literal brackets open, their source, an @ inside them
    before = "  "  # the last two source characters seen
    index = 0
    while index < len(children):
        token = children[index]
        if token.type == "citation_open":
            close = _closing(children, index)
            if any(
                _loose_at(child.content, "  ")
                for child in children[index + 1 : close]
                if child.type == "text"
            ):
                found.append(token.content)
            if depth:
                snippet.append(token.content)
                flagged = flagged or token.meta["group"].textual
            before, index = "]]", close + 1
            continue
        if token.type == "text" or (token.type == "text_special" and token.content in ("[", "]")):
            for char in token.content:
                if char == "[":
                    if not depth:
                        snippet, flagged = [], False
                    depth += 1
                if depth:
                    snippet.append(token.markup if token.type == "text_special" else char)
                    flagged = flagged or (char == "@" and not _word_end(before))
                if char == "]" and depth:
                    depth -= 1
                    if not depth and flagged:
                        found.append("".join(snippet))
                before = before[-1] + char
        else:
            shown = _SHOWN.get(token.type, lambda token: token.markup)(token)
            if depth:
                snippet.append(shown)
            before = (before + shown)[-2:]
        index += 1
    if depth and flagged:
        found.append("".join(snippet).rstrip())
    return found


# How a token reads in a problem's snippet: its source, near enough.
_SHOWN = {
    "code_inline": lambda token: token.markup + token.content + token.markup,
    "html_inline": lambda token: token.content,
    "softbreak": lambda token: " ",
    "hardbreak": lambda token: " ",
}


def _closing(children: list[Token], index: int) -> int:
    level = 0
    for position in range(index, len(children)):
        level += children[position].nesting if children[position].type.startswith("citation_") else 0
        if level == 0:
            return position
    return len(children) - 1


def _word_end(before: str) -> bool:
    """Whether the two characters before an ``@`` end a word, so it is not a key (``a@b``)."""
    return before[-1].isalnum() or (before[-1] == "." and before[-2].isalnum())


def _loose_at(text: str, before: str) -> bool:
    """Whether ``text`` holds an ``@`` that could start a key (not one inside a word)."""
    for char in text:
        if char == "@" and not _word_end(before):
            return True
        before = before[-1] + char
    return False
