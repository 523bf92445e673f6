"""Rendered PDFs in Django's default storage, under ``handouts/<key>.pdf``.

Only the storage API is used (no local paths), so the store works the same on the file
system, in memory and on object storage. Readers learn that a PDF is complete from its
``Handout`` row, which is marked ready only after the file has been written.
"""

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage

STORE_FOLDER = "handouts"


def _name(key: str) -> str:
    return f"{STORE_FOLDER}/{key}.pdf"


def pdf_save(*, key: str, pdf: bytes) -> None:
    """Store ``pdf`` under ``key``, replacing any earlier file of that name."""
    name = _name(key)
    default_storage.delete(name)
    saved = default_storage.save(name, ContentFile(pdf))
    if saved != name:
        # Another writer stored the same key in between: the same content, so keep one.
        default_storage.delete(saved)


def pdf_read(key: str) -> bytes:
    """The stored PDF's bytes (handouts are small); FileNotFoundError if it is not there."""
    with default_storage.open(_name(key), "rb") as file:
        return file.read()


def pdf_delete(key: str) -> None:
    default_storage.delete(_name(key))


def stored_keys() -> set[str]:
    """Keys of every PDF in the store (for pruning files that lost their row)."""
    try:
        _, files = default_storage.listdir(STORE_FOLDER)
    except FileNotFoundError:
        return set()
    return {name.removesuffix(".pdf") for name in files if name.endswith(".pdf")}
