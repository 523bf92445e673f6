"""Admin pages to export all content as JSON and to import such a file (``cramps.transfer``).

``ContentTransferMixin`` goes on ArticleAdmin and NutrientAdmin: both changelists link to the
same two pages, which need the ``cramps.export_content`` / ``cramps.import_content``
permissions (superusers have them). Importing is two steps: the upload is checked and
previewed with a dry run, kept in a temporary file, and imported when the editor confirms.
"""

import uuid

from django import forms
from django.contrib import messages
from django.core import signing
from django.core.cache import cache
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone

from references.admin import check_upload_size

from .transfer import ContentImportError, content_export, content_import

EXPORT_PERMISSION = "cramps.export_content"
IMPORT_PERMISSION = "cramps.import_content"
_SIGNING_SALT = "cramps.admin_transfer.upload"
_CACHE_PREFIX = "cramps-content-upload:"
UPLOAD_MAX_AGE = 60 * 60


class ContentUploadForm(forms.Form):
    content_file = forms.FileField(
        label="Content file (JSON)", help_text="A file from “Export all content (JSON)”."
    )

    def clean_content_file(self):
        upload = self.cleaned_data["content_file"]
        check_upload_size(upload)
        return upload


class ContentTransferMixin:
    change_list_template = "admin/cramps/change_list_transfer.html"

    def get_urls(self):
        prefix = f"{self.opts.app_label}_{self.opts.model_name}"
        export_view = self.admin_site.admin_view(self.content_export_view)
        import_view = self.admin_site.admin_view(self.content_import_view)
        return [
            path("export-content/", export_view, name=f"{prefix}_export_content"),
            path("import-content/", import_view, name=f"{prefix}_import_content"),
            *super().get_urls(),
        ]

    def changelist_view(self, request: HttpRequest, extra_context=None):
        extra_context = {
            **(extra_context or {}),
            "can_export_content": request.user.has_perm(EXPORT_PERMISSION),
            "can_import_content": request.user.has_perm(IMPORT_PERMISSION),
        }
        return super().changelist_view(request, extra_context)

    def content_export_view(self, request: HttpRequest) -> HttpResponse:
        """Every article and nutrient, and the references they cite, as a JSON download."""
        if not request.user.has_perm(EXPORT_PERMISSION):
            raise PermissionDenied
        response = HttpResponse(content_export(), content_type="application/json; charset=utf-8")
        filename = f"cramps-content-{timezone.localdate():%Y-%m-%d}.json"
        response["Content-Disposition"] = f'attachment; filename="{filename}"'
        return response

    def content_import_view(self, request: HttpRequest) -> HttpResponse:
        """Upload a content file, see what it would change, then confirm.

        Template: ``admin/cramps/content_import.html``.
        """
        if not request.user.has_perm(IMPORT_PERMISSION):
            raise PermissionDenied
        if request.method == "POST" and "confirm" in request.POST:
            return self._content_import_confirm(request)
        form = ContentUploadForm(request.POST or None, request.FILES or None)
        context = {"form": form}
        if request.method == "POST" and form.is_valid():
            upload = form.cleaned_data["content_file"]
            data = upload.read()
            try:
                context["summary"] = content_import(data=data, dry_run=True, user=request.user)
            except ContentImportError as error:
                context["problems"] = error.problems
                context["file_name"] = upload.name
            else:
                context["token"] = _keep_upload(data)
                context["file_name"] = upload.name
        return self._content_import_page(request, context)

    def _content_import_confirm(self, request: HttpRequest) -> HttpResponse:
        data = _kept_upload(request.POST.get("token", ""))
        if data is None:
            messages.error(request, "That upload has expired; upload the file again.")
            return HttpResponseRedirect(request.path)
        try:
            summary = content_import(data=data, user=request.user)
        except ContentImportError as error:
            # The site changed since the preview; nothing was written.
            return self._content_import_page(
                request, {"form": ContentUploadForm(), "problems": error.problems, "file_name": ""}
            )
        messages.success(request, f"Content imported. {summary}.")
        return HttpResponseRedirect(reverse(f"admin:{self.opts.app_label}_{self.opts.model_name}_changelist"))

    def _content_import_page(self, request: HttpRequest, context: dict) -> TemplateResponse:
        context = {**self.admin_site.each_context(request), "title": "Import content (JSON)", "opts": self.opts,
                   **context}  # fmt: skip
        return TemplateResponse(request, "admin/cramps/content_import.html", context)


def _keep_upload(data: bytes) -> str:
    """Keep the previewed upload until it is confirmed; the signed token names it.

    Kept in the cache (Redis in production), so the confirming request may reach any server.
    """
    name = uuid.uuid4().hex
    cache.set(f"{_CACHE_PREFIX}{name}", data, UPLOAD_MAX_AGE)
    return signing.dumps(name, salt=_SIGNING_SALT)


def _kept_upload(token: str) -> bytes | None:
    """The upload a token names, once (it is forgotten here), or None if expired or forged."""
    try:
        name = signing.loads(token, salt=_SIGNING_SALT, max_age=UPLOAD_MAX_AGE)
    except signing.BadSignature:
        return None
    key = f"{_CACHE_PREFIX}{name}"
    data = cache.get(key)
    cache.delete(key)
    return data
