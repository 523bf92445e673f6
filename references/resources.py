"""The reference export through django-import-export: Cramps' columns, names as one text cell.

Importing files does not go through django-import-export (see ``references.importing``); the
import reads these same columns back (``formats.table``).
"""

from import_export import fields, resources, widgets

from .models import Reference
from .record import RECORD_FIELDS, names_to_cell

COLUMNS = ("key", *(field for field in RECORD_FIELDS if field != "key"))


class NamesWidget(widgets.Widget):
    """CSL names as one "Family, Given; Family, Given" cell."""

    def render(self, value, obj=None, **kwargs) -> str:
        return names_to_cell(value or [])


class ReferenceResource(resources.ModelResource):
    authors = fields.Field(attribute="authors", column_name="authors", widget=NamesWidget())
    editors = fields.Field(attribute="editors", column_name="editors", widget=NamesWidget())
    accessed = fields.Field(
        attribute="accessed", column_name="accessed", widget=widgets.DateWidget("%Y-%m-%d")
    )

    class Meta:
        model = Reference
        name = "References"
        fields = COLUMNS
        export_order = COLUMNS
