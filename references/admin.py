from django.contrib import admin

from .forms import ReferenceForm
from .models import Reference


@admin.register(Reference)
class ReferenceAdmin(admin.ModelAdmin):
    form = ReferenceForm
    list_display = ["key", "first_author_family", "issued_year", "title", "container_title_short", "pmid", "doi"]
    list_filter = ["type", "issued_year"]
    search_fields = ["key", "title", "authors_text", "container_title", "doi", "pmid"]
    readonly_fields = ["created", "updated"]
    fieldsets = [
        (None, {"fields": ["key", "type", "authors", "title", "container_title", "container_title_short"]}),
        ("Publication", {"fields": ["issued_year", "volume", "issue", "pages", "editors", "publisher",
                                    "publisher_place", "edition"]}),
        ("Identifiers and links", {"fields": ["pmid", "pmcid", "doi", "isbn", "url", "accessed"]}),
        ("Notes", {"fields": ["abstract", "note", "created", "updated"], "classes": ["collapse"]}),
    ]  # fmt: skip

    @admin.display(description="First author")
    def first_author_family(self, reference: Reference) -> str:
        return reference.first_author_family
