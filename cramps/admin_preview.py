"""The live preview beside an article's or nutrient's Markdown, while the editor types.

``LivePreviewMixin`` adds ``<model>/preview/``: a POST (with the CSRF token) of the form's
summary and body, answered with the HTML fragment the page would show, rendered by the same
code as the page (``cramps.markdown``, then the ``cite`` numbering and the reference list), and
the problems saving would report. Only someone who may add or change that kind of page may
use it. ``static/js/live-preview.js`` posts the texts, debounced, and shows the answer.
"""

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.decorators import method_decorator
from django.views.decorators.http import require_POST

from references.citations import cited_keys
from references.models import Reference
from references.validators import unknown_keys_message

from .citing import citation_context
from .markdown import render_inline, render_markdown
from .models import Citation
from .validators import markdown_problems

# The texts a preview shows, in the page's reading order; a nutrient's rationale is among them.
PREVIEW_FIELDS = ("summary", "evidence_rationale", "body")
# A preview of more text than any page holds is refused rather than rendered.
PREVIEW_MAX_CHARACTERS = 200_000


def preview_context(texts: dict[str, str]) -> dict:
    """What ``admin/cramps/_live_preview.html`` needs to show ``texts`` as the page would."""
    keys = cited_keys(texts.values())
    known = Reference.objects.in_bulk(keys, field_name="key")
    cited = [known[key] for key in keys if key in known]
    # Unsaved rows: the numbering and the list come from the same code as a saved page's.
    citations = citation_context([Citation(reference=ref, number=n) for n, ref in enumerate(cited, start=1)])
    problems = [problem for text in texts.values() for problem in markdown_problems(text)]
    if missing := [key for key in keys if key not in known]:
        problems.append(unknown_keys_message(missing))
    return {
        "summary_html": render_inline(texts.get("summary", "")),
        "rationale_html": render_markdown(texts.get("evidence_rationale", "")).html,
        "body_html": render_markdown(texts.get("body", "")).html,
        "citations": citations,
        "problems": problems,
    }


class LivePreviewMixin:
    def get_urls(self):
        name = f"{self.opts.app_label}_{self.opts.model_name}_live_preview"
        return [
            path("preview/", self.admin_site.admin_view(self.live_preview_view), name=name),
            *super().get_urls(),
        ]

    def live_preview_url(self) -> str:
        return reverse(f"admin:{self.opts.app_label}_{self.opts.model_name}_live_preview")

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        body = context["adminform"].form.fields.get("body")
        if body is not None and "body" not in context["adminform"].readonly_fields:
            body.widget.attrs["data-preview-url"] = self.live_preview_url()
        return super().render_change_form(request, context, add, change, form_url, obj)

    @method_decorator(require_POST)
    def live_preview_view(self, request: HttpRequest) -> HttpResponse:
        """The page as it would look with the posted texts. Template: ``admin/cramps/_live_preview.html``."""
        if not (self.has_add_permission(request) or self.has_change_permission(request)):
            raise PermissionDenied
        texts = {name: request.POST.get(name, "") for name in PREVIEW_FIELDS}
        if sum(len(text) for text in texts.values()) > PREVIEW_MAX_CHARACTERS:
            return HttpResponseBadRequest(
                f"Too much text to preview (over {PREVIEW_MAX_CHARACTERS:,} characters).",
                content_type="text/plain",
            )
        return TemplateResponse(request, "admin/cramps/_live_preview.html", preview_context(texts))
