"""Signals ``references`` sends so that apps built on it can take part without being imported."""

from django.dispatch import Signal

# Sent by ``Reference.clean()`` when a saved reference's key is about to change, with
# ``reference`` and ``old_key``. A receiver returns why the change must be refused, or None;
# the content app refuses keys its pages cite.
reference_key_changing = Signal()

# Sent by ``references.importing`` after it writes references in bulk (``bulk_create`` and
# ``bulk_update`` send no ``post_save``), inside its transaction, with ``created`` and
# ``updated`` (the keys written), ``user`` (who asked, or None) and ``source`` (what wrote them,
# in words, or ""). Apps that follow references (history, citation rows) listen.
references_written = Signal()
