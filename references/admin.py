"""Admin for references: editing, file import with a preview, export, PMID/DOI look-up."""

from django import forms
from django.conf import settings
from django.contrib import admin, messages
from django.core.exceptions import FieldDoesNotExist, PermissionDenied, ValidationError
from django.db.models import Q
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.defaultfilters import filesizeformat
from django.template.response import TemplateResponse
from django.urls import path, reverse
from import_export.admin import ExportMixin

from . import lookup
from .export_formats import EXPORT_FORMATS
from .formats import FORMATS, ParsedRecords, ParseError
from .formats.common import ENCODING_CHOICES
from .forms import ReferenceForm
from .importing import NEW, UPDATE, ImportRefused, check_permissions, references_import, references_plan
from .jobs import import_job_confirm, import_job_create, runs_in_background, upload_read
from .models import Reference, ReferenceImport
from .record import name_display
from .resources import ReferenceResource

DEFAULT_IMPORT_MAX_BYTES = 5 * 1024 * 1024
LOOKUP_SESSION_KEY = "references_lookup"
# The preview lists this many records and warnings; the totals count them all.
PREVIEW_RECORDS = 200
PREVIEW_WARNINGS = 500


def field_label(name: str) -> str:
    """What an editor calls a record field: the model's verbose name ("journal or book"), not ``container_title``."""
    try:
        label = str(Reference._meta.get_field(name).verbose_name)
    except FieldDoesNotExist:
        return name
    return label[:1].upper() + label[1:]


def shown_value(value: object) -> str:
    """A record value as text: names as written on a page, dates as ISO, nothing as "(empty)"."""
    if value in ("", None, []):
        return "(empty)"
    if isinstance(value, list):
        return "; ".join(name_display(name) for name in value)
    return value.isoformat() if hasattr(value, "isoformat") else str(value)


def change_rows(planned) -> list[tuple[str, str, str]]:
    """An update's changes as (label, stored, new) text, for a compact preview."""
    return [
        (field_label(name), shown_value(old), shown_value(new))
        for name, (old, new) in planned.changes.items()
    ]


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


class ReferenceUploadForm(forms.Form):
    """The import page's form: the file, and its format and encoding when detection is not wanted."""

    import_file = forms.FileField(label="File")
    format = forms.ChoiceField(
        choices=[("", "Detect from the file"), *((name, f.label) for name, f in FORMATS.items())],
        required=False,
    )
    encoding = forms.ChoiceField(
        choices=[("", "Detect (UTF-8, or a guess)"), *ENCODING_CHOICES],
        required=False,
        help_text="Only for a text file that is not UTF-8 and was read wrongly.",
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["import_file"].help_text = (
            "RIS, PubMed (.nbib), BibTeX, CSL-JSON, or a CSV, Excel or JSON spreadsheet (Cramps' export, or "
            f"Scopus, Embase, Web of Science and PubMed exports); up to {filesizeformat(import_max_bytes())}."
        )

    def clean_import_file(self):
        upload = self.cleaned_data["import_file"]
        check_upload_size(upload)
        return upload


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
class ReferenceAdmin(ExportMixin, admin.ModelAdmin):
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
        ("Study summary", {"fields": ["study_type", "population", "participants", "comparison", "main_result",
                                      "limits", "summary"]}),
        ("Notes", {"fields": ["abstract", "note", "created", "updated"], "classes": ["collapse"]}),
    ]  # fmt: skip

    resource_classes = [ReferenceResource]
    export_formats = EXPORT_FORMATS
    import_export_change_list_template = "admin/import_export/change_list_import_export.html"
    change_list_template = "admin/references/reference/change_list.html"

    @admin.display(description="First author")
    def first_author_family(self, reference: Reference) -> str:
        return reference.first_author_family

    def get_urls(self):
        prefix = f"{self.opts.app_label}_{self.opts.model_name}"
        view = self.admin_site.admin_view
        return [
            path("import/", view(self.import_view), name=f"{prefix}_import"),
            path("import/<int:pk>/", view(self.import_job_view), name=f"{prefix}_import_progress"),
            path("lookup/", view(self.lookup_view), name=f"{prefix}_lookup"),
            *super().get_urls(),
        ]

    def changelist_view(self, request: HttpRequest, extra_context=None):
        extra_context = {
            **(extra_context or {}),
            "has_import_permission": self.has_import_permission(request),
        }
        return super().changelist_view(request, extra_context)

    # Permissions: Reference.Meta's own. Importing also needs the right to add or change references.

    def has_import_permission(self, request: HttpRequest) -> bool:
        user = request.user
        return user.has_perm("references.import_reference") and (
            user.has_perm("references.add_reference") or user.has_perm("references.change_reference")
        )

    def has_export_permission(self, request: HttpRequest) -> bool:
        return request.user.has_perm("references.export_reference")

    # Import: upload, preview, confirm

    def import_view(self, request: HttpRequest) -> HttpResponse:
        """Upload a file and preview what importing it would do; confirming goes to ``import_job_view``.

        Template: ``admin/references/reference/import.html``.
        """
        if not self.has_import_permission(request):
            raise PermissionDenied
        form = ReferenceUploadForm(request.POST or None, request.FILES or None)
        context = {"form": form}
        if request.method == "POST" and form.is_valid():
            upload = form.cleaned_data["import_file"]
            data = upload.read()
            try:
                parsed = upload_read(
                    name=upload.name, data=data, format=form.cleaned_data["format"],
                    encoding=form.cleaned_data["encoding"],
                )  # fmt: skip
                plan = references_plan(parsed=parsed)
            except (ParseError, ImportRefused) as error:
                form.add_error("import_file", f"“{upload.name}” could not be read: {error}")
            else:
                job = import_job_create(
                    name=upload.name, data=data, parsed=parsed, encoding=form.cleaned_data["encoding"],
                    user=request.user,
                )  # fmt: skip
                context.update(self._preview_context(request, plan, parsed, job))
        return self._import_page(request, context)

    def _preview_context(self, request, plan, parsed: ParsedRecords, job: ReferenceImport) -> dict:
        try:
            check_permissions(request.user, plan)
        except PermissionDenied as error:
            refusal = str(error)
        else:
            refusal = ""
        return {
            "plan": plan,
            "job": job,
            "format_label": FORMATS[parsed.format].label,
            "records": [(planned, change_rows(planned)) for planned in plan.records[:PREVIEW_RECORDS]],
            "warnings": [
                (warning, field_label(warning.field)) for warning in plan.warnings[:PREVIEW_WARNINGS]
            ],
            "more_records": max(len(plan.records) - PREVIEW_RECORDS, 0),
            "more_warnings": max(len(plan.warnings) - PREVIEW_WARNINGS, 0),
            "to_write": plan.count(NEW, UPDATE),
            "refusal": refusal,
            "background": runs_in_background(job),
        }

    def import_job_view(self, request: HttpRequest, pk: int) -> HttpResponse:
        """An import's progress and outcome; a POST with "confirm" starts a previewed one.

        Only the editor who uploaded the file (or a superuser) sees it. Template:
        ``admin/references/reference/import_progress.html``.
        """
        if not self.has_import_permission(request):
            raise PermissionDenied
        job = get_object_or_404(ReferenceImport, pk=pk)
        if job.created_by_id != request.user.pk and not request.user.is_superuser:
            raise Http404("No such import.")
        if request.method == "POST" and "confirm" in request.POST:
            if not import_job_confirm(job=job):
                messages.info(request, "This import has already been started.")
                return HttpResponseRedirect(request.path)
            job.refresh_from_db()
            if runs_in_background(job):
                return HttpResponseRedirect(request.path)
            if job.status == ReferenceImport.Status.DONE:
                messages.success(request, job.message)
                return HttpResponseRedirect(reverse("admin:references_reference_changelist"))
        return self._import_page(
            request, {"job": job}, template="admin/references/reference/import_progress.html"
        )

    def _import_page(self, request: HttpRequest, context: dict, template: str = "") -> TemplateResponse:
        context = {**self.admin_site.each_context(request), "title": "Import references", "opts": self.opts,
                   "media": self.media, **context}  # fmt: skip
        return TemplateResponse(request, template or "admin/references/reference/import.html", context)

    # Look-up by PMID or DOI

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
        plan = None
        if request.method == "POST" and form.is_valid():
            text = form.cleaned_data["identifiers"]
            try:
                records = lookup.lookup_identifiers(
                    text,
                    pubmed_url=getattr(settings, "CRAMPS_PUBMED_URL", lookup.PUBMED_URL),
                    crossref_url=getattr(settings, "CRAMPS_CROSSREF_URL", lookup.CROSSREF_URL),
                    timeout=getattr(settings, "CRAMPS_LOOKUP_TIMEOUT", 10),
                )
                plan = references_plan(parsed=ParsedRecords(records), update_existing=False)
            except (lookup.IdentifierLookupError, ImportRefused) as error:
                form.add_error("identifiers", str(error))
            else:
                request.session[LOOKUP_SESSION_KEY] = {"text": text, "records": records}
        return self._lookup_page(request, form, plan)

    def _lookup_confirm(self, request: HttpRequest) -> HttpResponse:
        stored = request.session.get(LOOKUP_SESSION_KEY)
        if not stored:
            messages.error(request, "That look-up has expired; look the identifiers up again.")
            return HttpResponseRedirect(reverse("admin:references_reference_lookup"))
        parsed = ParsedRecords(stored["records"])
        try:
            # Matched again: a reference added since the preview is not added twice.
            plan = references_import(
                parsed=parsed,
                update_existing=False,
                user=request.user,
                source="Added by PMID/DOI look-up in the admin",
            )
        except ImportRefused as error:
            form = LookupForm(initial={"identifiers": stored["text"]})
            return self._lookup_page(request, form, None, f"Nothing was added: {error}")
        del request.session[LOOKUP_SESSION_KEY]
        for warning in plan.warnings:
            messages.warning(request, str(warning))
        added = [planned for planned in plan.records if planned.is_new]
        if added:
            keys = ", ".join(f"@{planned.key}" for planned in added)
            messages.success(
                request, f"Added {len(added)} reference{'s' if len(added) != 1 else ''}: {keys}."
            )
        if left_out := len(plan.records) - len(added):
            messages.info(request, f"Left out {left_out} already in the library or listed twice.")
        return HttpResponseRedirect(reverse("admin:references_reference_changelist"))

    def _lookup_page(
        self, request: HttpRequest, form: LookupForm, plan, problem: str = ""
    ) -> TemplateResponse:
        context = {
            **self.admin_site.each_context(request),
            "title": "Look up by PMID or DOI",
            "opts": self.opts,
            "form": form,
            "problem": problem,
            "plan": plan,
            "new_count": plan.count(NEW) if plan else 0,
        }
        return TemplateResponse(request, "admin/references/reference/lookup.html", context)


@admin.register(ReferenceImport)
class ReferenceImportAdmin(admin.ModelAdmin):
    """The history of reference imports: who imported which file, when, and what it did."""

    list_display = ["file_name", "status", "created_by", "created", "created_count", "updated_count",
                    "unchanged_count", "left_out_count"]  # fmt: skip
    list_filter = ["status"]
    fields = ["file_name", "format", "status", "stage", "records_total", "records_done", "created_count",
              "updated_count", "unchanged_count", "left_out_count", "message", "created_by", "created", "started",
              "finished"]  # fmt: skip
    readonly_fields = fields

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        return False
