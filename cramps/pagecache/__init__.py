"""Whole public pages cached for anonymous readers, each entry valid exactly while what it shows
is unchanged.

- A view opts in with ``@cached_page`` (``query=`` names the parameters that may vary it); the
  ``PageCacheMiddleware`` serves and stores entries. While rendering, the view names what it
  shows with ``depends(request, *tokens)``; a view that names nothing depends on all content.
- Tokens are strings (``document_token``, ``reference_token``, ``DOCUMENTS``, ``REFERENCES``,
  ``CONTENT``). ``bump`` gives a token a new version from a logical clock kept in the cache;
  receivers (``pagecache.receivers``) bump the tokens of whatever a change touches.
- An entry records the clock when its render began. It is served only while every token it
  depends on has a version no newer than that, and before the next scheduled publication.
- Templates, static files and code are in every key (``design_version``, computed at start-up).
"""

from .core import (
    CONTENT,
    DOCUMENTS,
    REFERENCES,
    CachedPage,
    bump,
    cached_page,
    depends,
    design_version,
    document_token,
    enabled,
    memo,
    next_publication,
    reference_token,
    shareable,
)

__all__ = [
    "CONTENT",
    "DOCUMENTS",
    "REFERENCES",
    "CachedPage",
    "bump",
    "cached_page",
    "depends",
    "design_version",
    "document_token",
    "enabled",
    "memo",
    "next_publication",
    "reference_token",
    "shareable",
]
