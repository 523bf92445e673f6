"""Admin for articles and nutrients; everything shared lives in ``DocumentAdmin``."""

from django import forms
from django.contrib import admin, messages
from django.contrib.contenttypes.admin import GenericTabularInline
from django.db import models
from django.db.models import Exists, OuterRef
from django.template.loader import render_to_string
from django.utils import timezone

from references.admin import ReferenceAdmin
from references.models import Reference

from .admin_transfer import ContentTransferMixin
from .citing import citation_context, citations_batch
from .forms import DocumentAdminForm
from .integrity import broken_citations
from .models import FAQ, Article, Citation, FoodSource, Interaction, KeyPoint, Nutrient, Status
from .services import inline_prefetches


class CitationInline(GenericTabularInline):
    """Read-only: the references this document cites, as last saved, in number order."""

    model = Citation
    fields = ["number", "reference"]
    readonly_fields = fields
    extra = 0
    max_num = 0
    can_delete = False
    verbose_name = "cited reference"
    verbose_name_plural = "Cited references (from the text, updated on save)"


class DocumentAdmin(admin.ModelAdmin):
    form = DocumentAdminForm
    list_display = ["title", "status", "publish_at", "featured", "updated"]
    list_filter = ["status", "featured", "tags"]
    list_editable = []
    search_fields = ["title", "summary", "body"]
    prepopulated_fields = {"slug": ["title"]}
    readonly_fields = ["preview", "author", "created", "updated"]
    date_hierarchy = "updated"
    actions = ["publish", "send_to_review"]
    save_on_top = True
    publishing_fields = ["status", "publish_at", "featured", "tags"]

    def get_fieldsets(self, request, obj=None):
        return [
            (None, {"fields": ["title", "slug", "summary", *self.extra_fields, "cite", "body"]}),
            ("Publishing", {"fields": self.publishing_fields}),
            ("Preview (as last saved)", {"fields": ["preview"], "classes": ["collapse"]}),
            ("History", {"fields": ["author", "created", "updated"], "classes": ["collapse"]}),
        ]

    extra_fields: list[str] = []

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("tags")

    def save_model(self, request, obj, form, change) -> None:
        if obj.author_id is None:
            obj.author = request.user
        super().save_model(request, obj, form, change)

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        # The page and each inline row sync the citation rows when saved: once, at the end.
        with citations_batch():
            return super().changeform_view(request, object_id, form_url, extra_context)

    @admin.display(description="Rendered page")
    def preview(self, obj) -> str:
        if obj is None or obj.pk is None:
            return "Save the page to see a preview."
        citations = citation_context(list(obj.citations.select_related("reference")))
        return render_to_string("admin/cramps/_preview.html", {"object": obj, "citations": citations})

    @admin.action(description="Publish selected pages now")
    def publish(self, request, queryset) -> None:
        """Publish the selection, refusing (and naming) any page whose citations are broken."""
        queryset = queryset.prefetch_related(*inline_prefetches(self.model))
        broken = {document.pk: problems for document in queryset if (problems := broken_citations(document))}
        for problems in broken.values():
            listed = "; ".join(f"{problem.where}: {problem.message}" for problem in problems)
            self.message_user(request, f"Not published “{problems[0].document}”: broken citations ({listed}).",
                              messages.ERROR)  # fmt: skip
        now = timezone.now()
        updated = queryset.exclude(pk__in=broken).update(status=Status.PUBLISHED, publish_at=now, updated=now)
        if updated:
            self.message_user(request, f"Published {updated} page(s).", messages.SUCCESS)

    @admin.action(description="Send selected pages to review")
    def send_to_review(self, request, queryset) -> None:
        updated = queryset.update(status=Status.REVIEW, updated=timezone.now())
        self.message_user(request, f"{updated} page(s) are now in review.", messages.SUCCESS)


class KeyPointInline(admin.TabularInline):
    model = KeyPoint
    fields = ["position", "text"]
    extra = 1
    formfield_overrides = {models.CharField: {"widget": forms.Textarea(attrs={"rows": 2, "cols": 90})}}


class FAQInline(admin.StackedInline):
    model = FAQ
    fields = ["position", "question", "answer"]
    extra = 0


class FoodSourceInline(admin.TabularInline):
    model = FoodSource
    fields = ["position", "food", "amount", "notes"]
    extra = 1


class InteractionInline(admin.TabularInline):
    model = Interaction
    fields = ["position", "medication", "effect"]
    extra = 0


@admin.register(Article)
class ArticleAdmin(ContentTransferMixin, DocumentAdmin):
    inlines = [KeyPointInline, FAQInline, CitationInline]
    autocomplete_fields = ["related_nutrients"]
    publishing_fields = [
        *DocumentAdmin.publishing_fields,
        "related_nutrients",
        "medical_reviewer",
        "reviewed_on",
    ]


@admin.register(Nutrient)
class NutrientAdmin(ContentTransferMixin, DocumentAdmin):
    inlines = [FoodSourceInline, InteractionInline, CitationInline]
    list_display = ["title", "kind", "evidence_grade", "status", "publish_at", "updated"]
    list_filter = ["status", "kind", "evidence_grade", "tags"]
    search_fields = ["title", "aliases", "summary", "body"]
    extra_fields = ["kind", "aliases", "evidence_grade", "evidence_rationale"]


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


class CitedReferenceAdmin(ReferenceAdmin):
    """The references admin, plus what only the content app knows: which references pages cite."""

    list_filter = [*ReferenceAdmin.list_filter, CitedFilter]


admin.site.unregister(Reference)
admin.site.register(Reference, CitedReferenceAdmin)
