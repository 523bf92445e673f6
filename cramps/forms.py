from django import forms
from django.contrib import admin
from django.contrib.admin.widgets import AutocompleteSelect

from references.models import Reference

from .models import Citation


class CitePickerWidget(AutocompleteSelect):
    """Reference search box; picking one types ``[@key]`` into the text field last edited."""

    class Media:
        js = ["js/cite-picker.js"]


# Sized in static/css/admin.css: the Content-Security-Policy refuses style attributes.
WIDE = "cramps-wide"


class DocumentAdminForm(forms.ModelForm):
    """Wide Markdown boxes, and a reference search box that types citation keys."""

    cite = forms.ModelChoiceField(
        Reference.objects.all(),
        required=False,
        label="Cite a reference",
        help_text="Search by author, title, key or DOI; the citation key is inserted where the cursor was.",
        widget=CitePickerWidget(
            Citation._meta.get_field("reference"), admin.site, attrs={"class": "cite-picker"}
        ),
    )

    class Meta:
        widgets = {
            "title": forms.TextInput(attrs={"class": f"vTextField {WIDE}"}),
            "summary": forms.Textarea(attrs={"rows": 3, "class": WIDE}),
            "body": forms.Textarea(attrs={"rows": 28, "class": WIDE}),
            "evidence_rationale": forms.Textarea(attrs={"rows": 6, "class": WIDE}),
        }
