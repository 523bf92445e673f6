from django import forms
from django.contrib import admin
from django.contrib.admin.widgets import AutocompleteSelect

from references.models import Reference

from .models import Citation


class CitePickerWidget(AutocompleteSelect):
    """Reference search box; picking one types ``[@key]`` into the text field last edited."""

    class Media:
        js = ["js/cite-picker.js"]


# Styled by css/admin.css: no style attributes, so the admin works under a strict CSP.
WIDE = {"class": "markdown-wide"}


class DocumentAdminForm(forms.ModelForm):
    """Wide Markdown boxes, and a reference search box that types citation keys."""

    cite = forms.ModelChoiceField(
        Reference.objects.all(),
        required=False,
        label="Cite a reference",
        help_text="Search by author, title, key or DOI. The key is cited where the cursor was, joining a citation "
        "right next to it ([@a; @b]).",
        widget=CitePickerWidget(
            Citation._meta.get_field("reference"), admin.site, attrs={"class": "cite-picker"}
        ),
    )

    class Media:
        css = {"all": ["css/admin.css"]}

    class Meta:
        widgets = {
            "title": forms.TextInput(attrs={"class": "vTextField markdown-wide"}),
            "summary": forms.Textarea(attrs={"rows": 3, **WIDE}),
            "body": forms.Textarea(attrs={"rows": 28, **WIDE}),
            "evidence_rationale": forms.Textarea(attrs={"rows": 6, **WIDE}),
        }
