"""Admin for references: editing, import/export through django-import-export, PMID/DOI look-up."""

from django import forms
from django.conf import settings
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Q
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.template.defaultfilters import filesizeformat
from django.template.response import TemplateResponse
from django.urls import path, reverse
from import_export.admin import ImportExportModelAdmin
from import_export.forms import ImportForm

from . import lookup
from .formats import ParseError
from .formats.records import read_text
from .forms import ReferenceForm
from .import_formats import EXPORT_FORMATS, IMPORT_FORMATS, guess_import_format
from .models import Reference
from .resources import ReferenceResource, records_status, references_create

DEFAULT_IMPORT_MAX_BYTES = 5 * 1024 * 1024
LOOKUP_SESSION_KEY = "references_lookup"


def import_max_bytes() -> int:
    return getattr(settings, "CRAMPS_IMPORT_MAX_BYTES", DEFAULT_IMPORT_MAX_BYTES)


def check_upload_size(upload) -> None:
    """Refuse a file over ``CRAMPS_IMPORT_MAX_BYTES``, naming it and the limit."""
    limit = import_max_bytes()
    if upload.size > limit:
        raise ValidationError(
            f"“{upload.name}” is {filesizeformat(upload.size)}; Cramps imports files of up to "
            f"{filesizeformat(limit)}. Split it into smaller files."
        )


class ReferenceImportForm(ImportForm):
    """The import page's form: a size limit, and the format found from the file when none is chosen."""

    def __init__(self, formats, resources, **kwargs):
        super().__init__(formats, resources, **kwargs)
        self.formats = list(formats)
        self.fields["format"].required = False
        self.fields["format"].choices = [("", "Detect from the file"), *self.fields["format"].choices[1:]]
        self.fields["import_file"].help_text = (
            f"RIS, PubMed (.nbib), BibTeX, CSL-JSON, or a CSV, Excel or JSON file with the export's "
            f"columns; up to {filesizeformat(import_max_bytes())}."
        )

    def clean_import_file(self):
        upload = self.cleaned_data["import_file"]
        check_upload_size(upload)
        return upload

    def clean(self):
        cleaned_data = super().clean()
        upload = cleaned_data.get("import_file")
        if upload and not cleaned_data.get("format") and "format" not in self.errors:
            data = upload.read()
            upload.seek(0)
            guessed = guess_import_format(upload.name, data)
            if guessed in self.formats:
                cleaned_data["format"] = str(self.formats.index(guessed))
            else:
                self.add_error("format", self._undetected_message(upload.name, data))
        return cleaned_data

    @staticmethod
    def _undetected_message(name: str, data: bytes) -> str:
        try:
            read_text(data)
        except ParseError as error:
            return f"“{name}”: {error}"
        return f"Cramps cannot tell what kind of file “{name}” is: choose its format."


class LookupForm(forms.Form):
    identifiers = forms.CharField(
        label="PMIDs or DOIs",
        widget=forms.Textarea(attrs={"rows": 6, "cols": 60}),
        help_text="One or more, separated by spaces, commas or new lines; "
        "PubMed and doi.org addresses are understood too.",
    )


class IdentifierFilter(admin.SimpleListFilter):
    """Which references a reader can open: by PMID, PMCID or DOI, only by URL, or not at all."""

    title = "identifier"
    parameter_name = "identifier"

    def lookups(self, request, model_admin):
        return [
            ("present", "Has a PMID, PMCID or DOI"),
            ("missing", "Missing identifier"),
            ("unreachable", "Missing identifier and URL"),
        ]

    def queryset(self, request, queryset):
        missing = Q(pmid="", pmcid="", doi="")
        if self.value() == "present":
            return queryset.exclude(missing)
        if self.value() == "missing":
            return queryset.filter(missing)
        if self.value() == "unreachable":
            return queryset.filter(missing).exclude(url__istartswith="http")
        return queryset


@admin.register(Reference)
class ReferenceAdmin(ImportExportModelAdmin):
    form = ReferenceForm
    list_display = [
        "key",
        "first_author_family",
        "issued_year",
        "title",
        "container_title_short",
        "pmid",
        "doi",
    ]
    list_filter = [IdentifierFilter, "type", "issued_year"]
    search_fields = ["key", "title", "authors_text", "container_title", "doi", "pmid", "pmcid"]
    readonly_fields = ["created", "updated"]
    fieldsets = [
        (None, {"fields": ["key", "type", "authors", "title", "container_title", "container_title_short"]}),
        ("Publication", {"fields": ["issued_year", "volume", "issue", "pages", "editors", "publisher",
                                    "publisher_place", "edition"]}),
        ("Identifiers and links", {"fields": ["pmid", "pmcid", "doi", "isbn", "url", "accessed"]}),
        ("Notes", {"fields": ["abstract", "note", "created", "updated"], "classes": ["collapse"]}),
    ]  # fmt: skip

    resource_classes = [ReferenceResource]
    import_formats = IMPORT_FORMATS
    export_formats = EXPORT_FORMATS
    import_form_class = ReferenceImportForm
    import_template_name = "admin/references/reference/import.html"
    change_list_template = "admin/references/reference/change_list.html"

    @admin.display(description="First author")
    def first_author_family(self, reference: Reference) -> str:
        return reference.first_author_family

    # Permissions: Reference.Meta's own, whatever IMPORT_EXPORT_*_PERMISSION_CODE says.

    def has_import_permission(self, request: HttpRequest) -> bool:
        return request.user.has_perm("references.import_reference")

    def has_export_permission(self, request: HttpRequest) -> bool:
        return request.user.has_perm("references.export_reference")

    # Import

    def add_data_read_fail_error_to_form(self, form, error: Exception) -> None:
        name = form.cleaned_data["import_file"].name
        if isinstance(error, ParseError):
            form.add_error("import_file", f"“{name}” could not be read: {error}")
            return
        file_format = self.get_import_formats()[int(form.cleaned_data["format"])]()
        form.add_error(
            "import_file",
            f"“{name}” could not be read as {file_format.get_title()} "
            f"({type(error).__name__}: {error}). Is it in that format?",
        )

    def process_result(self, result, request: HttpRequest) -> HttpResponse:
        """After confirming: a row that failed means the import was rolled back; say so and show why."""
        if not (result.has_errors() or result.has_validation_errors()):
            return super().process_result(result, request)
        messages.error(request, "Nothing was imported: the rows below failed when saving. Correct the file.")
        form = self.get_import_form_class(request)(
            self.get_import_formats(), self.get_import_resource_classes(request)
        )
        context = {
            **self.admin_site.each_context(request),
            "title": "Import",
            "form": form,
            "opts": self.model._meta,
            "media": self.media + form.media,
            "result": result,
            "import_error_display": self.import_error_display,
        }
        return TemplateResponse(request, [self.import_template_name], context)

    def add_success_message(self, result, request: HttpRequest) -> None:
        totals = result.totals
        messages.success(
            request,
            f"Import finished: {totals['new']} new, {totals['update']} updated, {totals['skip']} unchanged, "
            f"{totals['duplicate']} duplicates left out.",
        )

    # Look-up by PMID or DOI

    def get_urls(self):
        name = f"{self.opts.app_label}_{self.opts.model_name}_lookup"
        return [path("lookup/", self.admin_site.admin_view(self.lookup_view), name=name), *super().get_urls()]

    def lookup_view(self, request: HttpRequest) -> HttpResponse:
        """Paste PMIDs or DOIs, preview the records PubMed and Crossref hold, then add the new ones.

        The looked-up records wait in the session between preview and confirm.
        Template: ``admin/references/reference/lookup.html``.
        """
        if not self.has_add_permission(request):
            raise PermissionDenied
        if request.method == "POST" and "confirm" in request.POST:
            return self._lookup_confirm(request)
        form = LookupForm(request.POST or None)
        statuses = None
        if request.method == "POST" and form.is_valid():
            text = form.cleaned_data["identifiers"]
            try:
                records = lookup.lookup_identifiers(
                    text,
                    pubmed_url=getattr(settings, "CRAMPS_PUBMED_URL", lookup.PUBMED_URL),
                    crossref_url=getattr(settings, "CRAMPS_CROSSREF_URL", lookup.CROSSREF_URL),
                    timeout=getattr(settings, "CRAMPS_LOOKUP_TIMEOUT", 10),
                )
            except lookup.IdentifierLookupError as error:
                form.add_error("identifiers", str(error))
            else:
                statuses = records_status(records)
                request.session[LOOKUP_SESSION_KEY] = {"text": text, "records": records}
        return self._lookup_page(request, form, statuses)

    def _lookup_confirm(self, request: HttpRequest) -> HttpResponse:
        stored = request.session.get(LOOKUP_SESSION_KEY)
        if not stored:
            messages.error(request, "That look-up has expired; look the identifiers up again.")
            return HttpResponseRedirect(reverse("admin:references_reference_lookup"))
        try:
            created, left_out = references_create(records=stored["records"])
        except ValidationError as error:
            form = LookupForm(initial={"identifiers": stored["text"]})
            problem = f"Nothing was added: {' '.join(error.messages)}"
            return self._lookup_page(request, form, records_status(stored["records"]), problem)
        del request.session[LOOKUP_SESSION_KEY]
        if created:
            keys = ", ".join(f"@{reference.key}" for reference in created)
            messages.success(
                request, f"Added {len(created)} reference{'s' if len(created) != 1 else ''}: {keys}."
            )
        if left_out:
            messages.info(request, f"Left out {len(left_out)} already in the library or listed twice.")
        return HttpResponseRedirect(reverse("admin:references_reference_changelist"))

    def _lookup_page(
        self, request: HttpRequest, form: LookupForm, statuses, problem: str = ""
    ) -> TemplateResponse:
        context = {
            **self.admin_site.each_context(request),
            "title": "Look up by PMID or DOI",
            "opts": self.opts,
            "form": form,
            "problem": problem,
            "statuses": statuses,
            "new_count": sum(status.is_new for status in statuses or []),
        }
        return TemplateResponse(request, "admin/references/reference/lookup.html", context)
