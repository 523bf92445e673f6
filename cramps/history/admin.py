"""Admin pages for version history, mixed into the article, nutrient and reference admins.

Under each model's admin:

- ``<id>/history/``: every version (when, who, why) and, for pages, every workflow step;
- ``<id>/history/<version>/``: what restoring that version would change; POST restores it;
- ``<id>/history/compare/?from=<version>&to=<version>``: two versions compared;
- ``recover/`` and ``recover/<version>/``: deleted objects, what one held; POST recovers it.

Reading needs the view (or change) permission, restoring the change permission (and for a
published page, publish), recovering the add permission. Everything shown is escaped: diffs
come from django-reversion-compare's ``html_diff``, which escapes the text it marks up.
"""

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from reversion.models import Version

from .content import current_content, differences, version_content
from .recording import history_note
from .restore import RestoreRefused, version_label


class HistoryAdminMixin:
    """Needs ``restore_version(version=, user=)`` and ``recover_version(version=, user=)``."""

    object_history_template = "admin/history/object_history.html"

    def restore_version(self, *, version: Version, user):
        raise NotImplementedError

    def recover_version(self, *, version: Version, user):
        raise NotImplementedError

    def history_steps(self, obj) -> list:
        """Workflow steps shown beside the versions (pages only)."""
        return []

    def get_urls(self):
        name = f"{self.opts.app_label}_{self.opts.model_name}"
        view = self.admin_site.admin_view
        return [
            path("<path:object_id>/history/compare/", view(self.history_compare_view),
                 name=f"{name}_history_compare"),
            path("<path:object_id>/history/<int:version_id>/", view(self.history_version_view),
                 name=f"{name}_history_version"),
            path("recover/", view(self.recover_list_view), name=f"{name}_recover_list"),
            path("recover/<int:version_id>/", view(self.recover_view), name=f"{name}_recover"),
            *super().get_urls(),
        ]  # fmt: skip

    def log_addition(self, request, obj, message):
        entry = super().log_addition(request, obj, message)
        history_note(obj, entry.get_change_message() or "Added")
        return entry

    def log_change(self, request, obj, message):
        entry = super().log_change(request, obj, message)
        history_note(obj, entry.get_change_message() or "Saved without changes")
        return entry

    # Pages

    def history_view(self, request: HttpRequest, object_id: str, extra_context=None) -> HttpResponse:
        obj = self._history_object(request, object_id)
        context = {
            "title": f"History of “{obj}”",
            "is_history_page": True,
            "versions": self._versions(obj),
            "steps": self.history_steps(obj),
            **(extra_context or {}),
        }
        return self._page(request, self.object_history_template, obj, context)

    def history_version_view(self, request: HttpRequest, object_id: str, version_id: int) -> HttpResponse:
        """What restoring a version would change; POST restores it."""
        obj = self._history_object(request, object_id)
        version = get_object_or_404(self._versions(obj), pk=version_id)
        can_restore = self.has_change_permission(request, obj)
        if request.method == "POST":
            if not can_restore:
                raise PermissionDenied
            try:
                restored = self.restore_version(version=version, user=request.user)
            except RestoreRefused as refused:
                messages.error(request, f"Not restored: {refused.message}")
                return HttpResponseRedirect(request.path)
            label = version_label(version)
            self.log_change(request, restored, f"Restored {label}.")
            messages.success(request, f"Restored {label} of “{restored}”.")
            return HttpResponseRedirect(self._url("change", restored.pk))
        changes = differences(self.model, current_content(obj), version_content(version))
        context = {
            "title": f"Version of {version_label(version).removeprefix('the version of ')}",
            "version": version,
            "differences": changes,
            "comparison": "What restoring this version would change on the page as it is now",
            "can_restore": can_restore,
        }
        return self._page(request, "admin/history/version.html", obj, context)

    def history_compare_view(self, request: HttpRequest, object_id: str) -> HttpResponse:
        obj = self._history_object(request, object_id)
        versions = self._versions(obj)
        try:
            older = versions.get(pk=int(request.GET.get("from", "")))
            newer = versions.get(pk=int(request.GET.get("to", "")))
        except (ValueError, Version.DoesNotExist):
            messages.error(request, "Choose two versions of this page to compare.")
            return HttpResponseRedirect(self._url("history", obj.pk))
        if older.revision.date_created > newer.revision.date_created:
            older, newer = newer, older
        context = {
            "title": f"Changes to “{obj}”",
            "older": older,
            "newer": newer,
            "differences": differences(self.model, version_content(older), version_content(newer)),
            "comparison": f"From {version_label(older)} to {version_label(newer)}",
        }
        return self._page(request, "admin/history/version.html", obj, context)

    def recover_list_view(self, request: HttpRequest) -> HttpResponse:
        self._check_may_recover(request)
        deleted = Version.objects.get_deleted(self.model).select_related("revision__user")
        context = {
            "title": f"Recover deleted {self.opts.verbose_name_plural}",
            "deleted": deleted.order_by("-revision__date_created", "-pk"),
        }
        return self._page(request, "admin/history/recover_list.html", None, context)

    def recover_view(self, request: HttpRequest, version_id: int) -> HttpResponse:
        """What a deleted object held; POST brings it back."""
        self._check_may_recover(request)
        version = get_object_or_404(Version.objects.get_deleted(self.model), pk=version_id)
        if request.method == "POST":
            try:
                recovered = self.recover_version(version=version, user=request.user)
            except RestoreRefused as refused:
                messages.error(request, f"Not recovered: {refused.message}")
                return HttpResponseRedirect(request.path)
            self.log_addition(request, recovered, f"Recovered from {version_label(version)}.")
            messages.success(request, f"Recovered “{recovered}”.")
            return HttpResponseRedirect(self._url("change", recovered.pk))
        context = {
            "title": f"Recover “{version.object_repr}”",
            "version": version,
            "differences": differences(self.model, {}, version_content(version)),
            "comparison": f"What {version_label(version)} held",
        }
        return self._page(request, "admin/history/recover.html", None, context)

    # Helpers

    def _history_object(self, request: HttpRequest, object_id: str):
        obj = self.get_object(request, object_id)
        if obj is None:
            raise Http404(f"No {self.opts.verbose_name} with id “{object_id}”.")
        if not self.has_view_or_change_permission(request, obj):
            raise PermissionDenied
        return obj

    def _check_may_recover(self, request: HttpRequest) -> None:
        if not (self.has_add_permission(request) and self.has_view_or_change_permission(request)):
            raise PermissionDenied

    def _versions(self, obj) -> QuerySet:
        return (
            Version.objects.get_for_object(obj)
            .select_related("revision__user")
            .order_by("-revision__date_created", "-pk")
        )

    def _url(self, view: str, pk) -> str:
        return reverse(
            f"{self.admin_site.name}:{self.opts.app_label}_{self.opts.model_name}_{view}", args=[pk]
        )

    def _page(self, request: HttpRequest, template: str, obj, context: dict) -> TemplateResponse:
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "object": obj,
            "history_url": self._url("history", obj.pk) if obj is not None else "",
            **context,
        }
        return TemplateResponse(request, template, context)
