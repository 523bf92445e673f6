"""The one validator of every Markdown field: nothing an editor writes is lost on the way to a reader.

A text is refused, with what to write instead, when

- the sanitiser would remove part of it (``markdown.sanitiser_losses``: a stray ``<script>``,
  a ``<textarea>`` that swallows the rest, an attribute or address a browser could run);
- it holds an ``@`` in square brackets that is not read as a citation (``[@ key]``,
  ``[@a;@b`` unclosed): see ``references.citations.syntax``;
- it cites a key that matches no reference.
"""

from django.core.exceptions import ValidationError

from references.citations import citation_problems
from references.validators import unknown_keys, unknown_keys_message

from .markdown import sanitiser_losses


def markdown_problems(text: str) -> list[str]:
    """Why ``text`` cannot be saved as it is, apart from unknown keys (no database needed)."""
    problems = [str(problem) for problem in citation_problems(text or "")]
    if losses := sanitiser_losses(text or ""):
        problems.append(
            "Readers would not get all of this text; the page would lose " + "; ".join(losses) + ". "
            "Remove it, or put code in backticks (`<like this>`) to show it as text."
        )
    return problems


def validate_markdown(text: str) -> None:
    messages = markdown_problems(text)
    if missing := unknown_keys(text):
        messages.append(unknown_keys_message(missing))
    if messages:
        raise ValidationError([ValidationError(message, code="markdown") for message in messages])
