from django import forms

from .models import Reference
from .record import names_from_lines, names_to_lines

NAMES_HELP = (
    "One person per line as “Family, Given” (e.g. Rude, Robert K), with a suffix after a second comma "
    "(e.g. Smith, Amos B, III). An organisation without a comma, or in braces if its name has one "
    "(e.g. {Institute of Medicine, Food and Nutrition Board})."
)


class ReferenceForm(forms.ModelForm):
    """The admin form: authors and editors typed one per line instead of as JSON."""

    authors = forms.CharField(widget=forms.Textarea(attrs={"rows": 4}), required=False, help_text=NAMES_HELP)
    editors = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}), required=False, help_text=NAMES_HELP)
    url = forms.URLField(label="URL", max_length=1000, required=False, assume_scheme="https")

    class Meta:
        model = Reference
        fields = "__all__"

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk and not self.is_bound:
            self.initial["authors"] = names_to_lines(self.instance.authors)
            self.initial["editors"] = names_to_lines(self.instance.editors)

    def clean_authors(self) -> list[dict]:
        return names_from_lines(self.cleaned_data["authors"])

    def clean_editors(self) -> list[dict]:
        return names_from_lines(self.cleaned_data["editors"])
