"""Admin for articles and nutrients; everything shared lives in ``DocumentAdmin``.

Who may do what is ``cramps.workflow``'s rule, applied on every path here: the change form's
status and review fields (a form error), each action (``allowed_permissions``, and a 403 for an
action the user may not take), editing or deleting a published page (view only without the
publish permission). History, restore and recovery come from ``cramps.history.admin``.
"""

from django import forms
from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.contrib.admin.widgets import AdminTextareaWidget
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied
from django.db import models
from django.db.models import Count, Exists, OuterRef, Subquery
from django.db.models.functions import Coalesce
from django.template.loader import render_to_string
from django.template.response import TemplateResponse
from django.utils import timezone
from django.utils.html import format_html, format_html_join

from references.admin import ReferenceAdmin as BaseReferenceAdmin
from references.models import Reference

from . import (
    admin_about,  # noqa: F401  (registers the About page)
    workflow,
)
from .admin_preview import LivePreviewMixin
from .admin_transfer import ContentTransferMixin
from .citing import citation_context, citations_batch, citations_sync
from .forms import (
    WIDE,
    DocumentAdminForm,
    DocumentInlineFormSet,
    FAQForm,
    ReviewForm,
    ScheduleForm,
    TextField,
)
from .history.admin import HistoryAdminMixin
from .history.restore import document_recover, document_restore, reference_recover, reference_restore
from .models import (
    FAQ,
    Article,
    Citation,
    FoodSource,
    IntakeValue,
    Interaction,
    KeyPoint,
    Nutrient,
    NutrientForm,
    Status,
    Transition,
)
from .services import inline_prefetches
from .validators import markdown_problems


class DocumentAdmin(LivePreviewMixin, HistoryAdminMixin, admin.ModelAdmin):
    form = DocumentAdminForm
    list_display = ["title", "status", "publish_at", "featured", "updated"]
    list_filter = ["status", "featured", "tags"]
    list_editable = []
    search_fields = ["title", "summary", "body"]
    prepopulated_fields = {"slug": ["title"]}
    readonly_fields = ["preview", "cited_references", "author", "created", "updated"]
    date_hierarchy = "updated"
    actions = ["send_to_review", "publish", "schedule", "unpublish", "record_review"]
    save_on_top = True
    formfield_overrides = {models.TextField: {"form_class": TextField}}
    publishing_fields = ["status", "publish_at", "featured", "tags"]
    extra_fields: list[str] = []

    class Media:
        js = ["js/live-preview.js"]

    def get_fieldsets(self, request, obj=None):
        # The reference picker and the lock are for editing; a view-only page has neither.
        tools = ["cite", "lock"] if obj is None or self.has_change_permission(request, obj) else []
        return [
            (
                None,
                {"fields": ["title", "slug", "summary", *self.extra_fields, *tools[:1], "body", *tools[1:]]},
            ),
            ("Publishing", {"fields": self.publishing_fields}),
            ("Medical review", {"fields": ["medical_reviewer", "reviewed_on"]}),
            ("Cited references (from the text, as last saved)", {"fields": ["cited_references"]}),
            ("Preview (as last saved)", {"fields": ["preview"], "classes": ["collapse"]}),
            ("History", {"fields": ["author", "created", "updated"], "classes": ["collapse"]}),
        ]

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("tags")

    # Permissions (cramps.workflow)

    def has_publish_permission(self, request) -> bool:
        return workflow.may(request.user, self.model, "publish")

    def has_review_permission(self, request) -> bool:
        return workflow.may(request.user, self.model, "review")

    def has_change_permission(self, request, obj=None) -> bool:
        return super().has_change_permission(request, obj) and (
            obj is None or workflow.may_edit(request.user, obj)
        )

    def has_delete_permission(self, request, obj=None) -> bool:
        return super().has_delete_permission(request, obj) and (
            obj is None or workflow.may_edit(request.user, obj)
        )

    def get_readonly_fields(self, request, obj=None):
        readonly = list(super().get_readonly_fields(request, obj))
        if not self.has_publish_permission(request):
            readonly += ["publish_at", "featured"]
        if not self.has_review_permission(request):
            readonly += ["medical_reviewer", "reviewed_on"]
        return readonly

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change, **kwargs)
        return type(form.__name__, (form,), {"user": request.user})

    def changelist_view(self, request, extra_context=None):
        """An action the user may not take is refused with 403, not passed over as "No action selected"."""
        action = request.POST.get("action") if request.method == "POST" else None
        known = {*self.actions, *(name for name, _func in self.admin_site.actions)}
        if action in known and action not in self.get_actions(request):
            raise PermissionDenied
        extra_context = {**(extra_context or {}), "can_recover": self.has_add_permission(request)}
        return super().changelist_view(request, extra_context)

    # Saving: content first, then the workflow's steps once inlines and citations are in place

    def save_model(self, request, obj, form, change) -> None:
        if obj.author_id is None:
            obj.author = request.user
        for name, value in form.stored_workflow.items():
            setattr(obj, name, value)
        super().save_model(request, obj, form, change)

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        # The page and each inline row sync the citation rows when saved: once, at the end.
        with citations_batch():
            return super().changeform_view(request, object_id, form_url, extra_context)

    def save_related(self, request, form, formsets, change) -> None:
        super().save_related(request, form, formsets, change)
        citations_sync(document=form.instance)
        try:
            workflow.document_transition(document=form.instance, user=request.user, **form.workflow_target)
        except workflow.TransitionRefused as refusal:
            self.message_user(
                request, f"Saved, but the status did not change: {refusal.message}", messages.ERROR
            )

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        context["conflict"] = context["adminform"].form.conflict
        # Inlines marked ``under_body`` (key points) are edited right below the body they sum up.
        formsets = context.get("inline_admin_formsets", [])
        context["inlines_under_body"] = [f for f in formsets if getattr(f.opts, "under_body", False)]
        context["inlines_below"] = [f for f in formsets if not getattr(f.opts, "under_body", False)]
        if (
            obj is not None
            and super().has_change_permission(request, obj)
            and not workflow.may_edit(request.user, obj)
        ):
            context["read_only_reason"] = (
                f"This {self.opts.verbose_name} is published or scheduled, so only a Publisher may change it: "
                "ask one to change it or to unpublish it."
            )
        return super().render_change_form(request, context, add, change, form_url, obj)

    # Read-only displays

    @admin.display(description="Rendered page")
    def preview(self, obj) -> str:
        if obj is None or obj.pk is None:
            return "Save the page to see a preview."
        citations = citation_context(list(obj.citations.select_related("reference")))
        return render_to_string("admin/cramps/_preview.html", {"object": obj, "citations": citations})

    @admin.display(description="Cited references")
    def cited_references(self, obj) -> str:
        """Shown, never submitted: a form of Citation rows would fail once they change meanwhile."""
        citations = list(obj.citations.select_related("reference")) if obj is not None and obj.pk else []
        if not citations:
            return "None yet: cite references as [@key] in the text."
        rows = format_html_join(
            "", "<li>[{}] <a href=\"{}\">@{}</a>: {}</li>",
            ((c.number, c.reference.get_absolute_url(), c.reference.key, c.reference.title) for c in citations),
        )  # fmt: skip
        return format_html('<ol class="cited-references">{}</ol>', rows)

    # History

    def history_steps(self, obj) -> list:
        return list(
            Transition.objects.filter(content_type=ContentType.objects.get_for_model(obj), object_id=obj.pk)
        )

    def restore_version(self, *, version, user):
        return document_restore(version=version, user=user)

    def recover_version(self, *, version, user):
        return document_recover(version=version, user=user)

    # Actions: each page goes through workflow.document_transition, which checks it again

    def _take_step(self, request, queryset, done: str, *, skip=None, **target) -> list:
        taken = []
        for document in queryset.prefetch_related(*inline_prefetches(self.model)):
            if skip is not None and skip(document):
                continue
            try:
                if workflow.document_transition(document=document, user=request.user, **target):
                    taken.append(document)
            except workflow.TransitionRefused as refusal:
                self.message_user(request, f"Not {done} “{document}”: {refusal.message}", messages.ERROR)
        if taken:
            self.message_user(request, f"{done.capitalize()} {len(taken)} page(s).", messages.SUCCESS)
        return taken

    @admin.action(description="Submit selected pages for review", permissions=["change"])
    def send_to_review(self, request, queryset) -> None:
        self._take_step(request, queryset, "submitted for review", status=Status.REVIEW,
                        skip=lambda document: document.status == Status.REVIEW)  # fmt: skip

    @admin.action(description="Publish selected pages now", permissions=["publish"])
    def publish(self, request, queryset) -> None:
        published = self._take_step(request, queryset, "published", status=Status.PUBLISHED,
                                    publish_at=timezone.now().replace(microsecond=0), skip=lambda document: document.is_public)  # fmt: skip
        unreviewed = [str(document) for document in published if not document.medical_reviewer]
        if unreviewed:
            self.message_user(request, f"No medical review is recorded for: {', '.join(unreviewed)}.",
                              messages.WARNING)  # fmt: skip

    @admin.action(description="Unpublish selected pages (back to draft)", permissions=["publish"])
    def unpublish(self, request, queryset) -> None:
        self._take_step(request, queryset, "unpublished", status=Status.DRAFT, publish_at=None,
                        skip=lambda document: document.status == Status.DRAFT)  # fmt: skip

    @admin.action(description="Schedule selected pages…", permissions=["publish"])
    def schedule(self, request, queryset):
        form = self._action_form(request, ScheduleForm)
        if not form.is_bound or not form.is_valid():
            return self._action_page(request, queryset, form, "schedule")
        self._take_step(request, queryset, "scheduled", status=Status.PUBLISHED, **form.cleaned_data)
        return None

    @admin.action(description="Record the medical review of selected pages…", permissions=["review"])
    def record_review(self, request, queryset):
        form = self._action_form(request, ReviewForm)
        if not form.is_bound or not form.is_valid():
            return self._action_page(request, queryset, form, "record_review")
        self._take_step(request, queryset, "reviewed", **form.cleaned_data)
        return None

    def _action_form(self, request, form_class) -> forms.Form:
        if "apply" in request.POST:
            return form_class(request.POST)
        user = request.user
        initial = {
            "medical_reviewer": user.get_full_name() or user.get_username(),
            "reviewed_on": timezone.localdate(),
        }
        return form_class(initial=initial)

    def _action_page(self, request, queryset, form, action: str) -> TemplateResponse:
        """The intermediate page of an action; its form posts the action and selection again."""
        context = {
            **self.admin_site.each_context(request),
            "title": form.title,
            "opts": self.opts,
            "form": form,
            "media": self.media + form.media,
            "action": action,
            "documents": list(queryset),
            "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
        }
        return TemplateResponse(request, "admin/cramps/action_form.html", context)


class DocumentInline:
    """Inline rows are part of their page: whoever may change the page may change its rows."""

    formset = DocumentInlineFormSet
    formfield_overrides = {models.TextField: {"form_class": TextField}}

    def _may_change_page(self, request, obj) -> bool:
        return workflow.may(request.user, self.parent_model, "change") and (
            obj is None or workflow.may_edit(request.user, obj)
        )

    def has_view_permission(self, request, obj=None) -> bool:
        return workflow.may(request.user, self.parent_model, "view") or self._may_change_page(request, obj)

    def has_add_permission(self, request, obj) -> bool:
        return self._may_change_page(request, obj)

    def has_change_permission(self, request, obj=None) -> bool:
        return self._may_change_page(request, obj)

    def has_delete_permission(self, request, obj=None) -> bool:
        return self._may_change_page(request, obj)


class KeyPointInline(DocumentInline, admin.TabularInline):
    model = KeyPoint
    fields = ["position", "text"]
    extra = 1
    under_body = True
    formfield_overrides = {
        models.CharField: {
            "form_class": TextField,
            "widget": forms.Textarea(attrs={"rows": 2, "class": WIDE}),
        }
    }


class FAQInline(DocumentInline, admin.StackedInline):
    model = FAQ
    form = FAQForm
    fields = ["position", "question", "answer"]
    extra = 0


class FactInline(DocumentInline, admin.TabularInline):
    """A nutrient's fact table: compact cells so a row fits a 1,280 px screen (``admin.css``)."""

    extra = 0
    classes = ["fact-table"]
    formfield_overrides = {
        models.TextField: {"form_class": TextField, "widget": forms.Textarea(attrs={"rows": 2, "cols": 32})},
        models.CharField: {"widget": forms.TextInput(attrs={"size": 14})},
    }


class IntakeValueInline(FactInline):
    model = IntakeValue
    fields = ["position", "life_stage", "ages", "sex", "kind", "amount", "upper_limit", "limit_scope", "unit",
              "note", "source"]  # fmt: skip


class FoodSourceInline(FactInline):
    model = FoodSource
    fields = ["position", "food", "serving", "amount", "daily_value", "notes", "source"]


class NutrientFormInline(FactInline):
    model = NutrientForm
    fields = ["position", "form", "dose", "elemental", "notes", "source"]


class InteractionInline(FactInline):
    model = Interaction
    fields = ["position", "medication", "direction", "effect", "advice", "source"]


@admin.register(Article)
class ArticleAdmin(ContentTransferMixin, DocumentAdmin):
    inlines = [KeyPointInline, FAQInline]
    autocomplete_fields = ["related_nutrients"]
    publishing_fields = [*DocumentAdmin.publishing_fields, "related_nutrients"]


@admin.register(Nutrient)
class NutrientAdmin(ContentTransferMixin, DocumentAdmin):
    inlines = [IntakeValueInline, FoodSourceInline, NutrientFormInline, InteractionInline]
    list_display = ["title", "kind", "evidence_grade", "status", "publish_at", "updated"]
    list_filter = ["status", "kind", "evidence_grade", "tags"]
    search_fields = ["title", "aliases", "summary", "body"]
    extra_fields = ["kind", "aliases", "evidence_grade", "evidence_rationale", "role", "at_risk"]


class CitedFilter(admin.SimpleListFilter):
    title = "cited"
    parameter_name = "cited"

    def lookups(self, request, model_admin):
        return [("yes", "Cited by a page"), ("no", "Not cited")]

    def queryset(self, request, queryset):
        cited = Exists(Citation.objects.filter(reference=OuterRef("pk")))
        if self.value() == "yes":
            return queryset.filter(cited)
        if self.value() == "no":
            return queryset.exclude(cited)
        return queryset


# References keep a history too; the references app cannot know about it (it never imports
# cramps), so its admin gains the history pages here.
admin.site.unregister(Reference)


class ReferenceAdminForm(BaseReferenceAdmin.form):
    """The study summary is Markdown: the content app's rules for it, beyond the unknown keys
    the model refuses (near-miss citations, text the sanitiser would drop)."""

    summary = TextField(
        label="Study summary", widget=AdminTextareaWidget, required=False,
        help_text=Reference._meta.get_field("summary").help_text,
    )  # fmt: skip

    def clean_summary(self) -> str:
        summary = self.cleaned_data["summary"]
        if problems := markdown_problems(summary):
            raise forms.ValidationError(problems)
        return summary


@admin.register(Reference)
class ReferenceAdmin(HistoryAdminMixin, BaseReferenceAdmin):
    """The references admin, plus what only the content app knows: history, which references
    pages cite, and the Markdown rules of the study summary."""

    form = ReferenceAdminForm
    change_list_template = "admin/cramps/reference_change_list.html"
    # The journal is on the change form; the list keeps what finds and checks a reference in view.
    list_display = ["key", "first_author_family", "issued_year", "title", "pmid", "doi", "cited_by"]
    list_filter = [*BaseReferenceAdmin.list_filter, CitedFilter]

    def get_queryset(self, request):
        # One count per row in the list's own query (no query per reference); a subquery, not a
        # GROUP BY, so the queryset still serves the change form's row lock.
        pages = Citation.objects.filter(reference=OuterRef("pk")).order_by().values("reference")
        count = Subquery(pages.annotate(pages=Count("pk")).values("pages"))
        return super().get_queryset(request).annotate(cited_by_count=Coalesce(count, 0))

    @admin.display(description="Cited by", ordering="cited_by_count")
    def cited_by(self, reference) -> int:
        """How many pages cite the reference (a Citation row is one page citing one reference)."""
        return reference.cited_by_count

    def changelist_view(self, request, extra_context=None):
        extra_context = {**(extra_context or {}), "can_recover": self.has_add_permission(request)}
        return super().changelist_view(request, extra_context)

    def restore_version(self, *, version, user):
        return reference_restore(version=version, user=user)

    def recover_version(self, *, version, user):
        return reference_recover(version=version, user=user)
