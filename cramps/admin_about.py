"""The About page in the admin: one row, changed in place, never added twice or deleted."""

from django.contrib import admin
from django.http import HttpResponseRedirect
from django.urls import reverse

from .about import AboutPage


@admin.register(AboutPage)
class AboutPageAdmin(admin.ModelAdmin):
    fields = ["introduction", "who_writes", "review", "funding", "contact"]
    view_on_site = True

    def has_add_permission(self, request) -> bool:
        return super().has_add_permission(request) and not AboutPage.objects.exists()

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

    def changelist_view(self, request, extra_context=None):
        """The list of one row is the row: open it (or the form to write it)."""
        if AboutPage.objects.exists():
            return HttpResponseRedirect(
                reverse("admin:cramps_aboutpage_change", args=[AboutPage.SINGLETON_PK])
            )
        if self.has_add_permission(request):
            return HttpResponseRedirect(reverse("admin:cramps_aboutpage_add"))
        return super().changelist_view(request, extra_context)
