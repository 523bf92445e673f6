"""Signals other parts of Cramps listen to, so that content does not import its listeners."""

from django.dispatch import Signal

# A page has just become visible to the public (sent on commit, by the publishing workflow).
# Arguments: ``document`` (an Article or Nutrient). Handouts listen, to render ahead of readers.
document_published = Signal()
