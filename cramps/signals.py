"""Signals other parts of Cramps listen to, so that content does not import its listeners."""

from django.dispatch import Signal

# A page has just become visible to the public (sent on commit, by the publishing workflow).
# Arguments: ``document`` (an Article or Nutrient). Handouts listen, to render ahead of readers.
document_published = Signal()

# A page's content has just changed (its own row, or an inline row, tag or related page).
# Arguments: ``document``. Version history listens, to keep a version once the change commits.
document_changed = Signal()
