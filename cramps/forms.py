from django import forms
from django.contrib import admin
from django.contrib.admin.widgets import AdminSplitDateTime, AutocompleteSelect
from django.db import transaction
from django.forms.models import BaseInlineFormSet
from django.utils import timezone
from django.utils.formats import date_format

from references.models import Reference

from . import workflow
from .history.conflict import Conflict, conflict_since
from .models import Citation, Document

WORKFLOW_FIELDS = ("status", "publish_at", "medical_reviewer", "reviewed_on")


class CitePickerWidget(AutocompleteSelect):
    """Reference search box; picking one types ``[@key]`` into the text field last edited."""

    class Media:
        js = ["js/cite-picker.js"]


# Sized in static/css/admin.css: the Content-Security-Policy refuses style attributes.
WIDE = "cramps-wide"


class TextField(forms.CharField):
    """Text kept with "\n" line endings: browsers post text areas with "\r\n", which would make an
    untouched field look changed (in the change message, the stamp and the history)."""

    def to_python(self, value):
        value = super().to_python(value)
        return value.replace("\r\n", "\n") if isinstance(value, str) else value


def lock_token(document: Document) -> str:
    """What an editor's form remembers of the page it opened: its content stamp."""
    return document.updated.isoformat()


class DocumentAdminForm(forms.ModelForm):
    """Wide Markdown boxes, a reference search box that types citation keys, the workflow's
    permission checks on status and review, and optimistic locking.

    Locking: the form carries the page's ``updated`` stamp as it was when opened (``lock``). If
    the page changed since, the save is refused with what changed meanwhile (``conflict``), and
    the editor's text stays in the form, which now carries the new stamp: saving again, after
    merging, keeps the editor's version. A form posted without a stamp is not locked.
    """

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
    lock = forms.CharField(required=False, widget=forms.HiddenInput)
    user = None  # set by DocumentAdmin.get_form: who is saving

    class Meta:
        widgets = {
            "title": forms.TextInput(attrs={"class": f"vTextField {WIDE}"}),
            "summary": forms.Textarea(attrs={"rows": 3, "class": WIDE}),
            "body": forms.Textarea(attrs={"rows": 28, "class": WIDE}),
            "evidence_rationale": forms.Textarea(attrs={"rows": 6, "class": WIDE}),
            "role": forms.Textarea(attrs={"rows": 2, "class": WIDE}),
            "at_risk": forms.Textarea(attrs={"rows": 2, "class": WIDE}),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.conflict: Conflict | None = None
        # The workflow values as stored; the admin saves these, then the workflow takes its steps.
        self.stored_workflow = {name: getattr(self.instance, name) for name in WORKFLOW_FIELDS}
        if self.instance.pk is not None:
            self.fields["lock"].initial = lock_token(self.instance)

    @property
    def workflow_target(self) -> dict:
        """The workflow values this form asks for (only those the user could edit)."""
        return {name: self.cleaned_data[name] for name in WORKFLOW_FIELDS if name in self.fields}

    def clean(self):
        cleaned_data = super().clean()
        self._check_lock()
        if self.is_bound and not self.errors.get("status"):
            try:
                workflow.transition_check(user=self.user, document=self.instance, **self.workflow_target)
            except workflow.TransitionRefused as refusal:
                self.add_error(refusal.field if refusal.field in self.fields else None, refusal.message)
        return cleaned_data

    def _check_lock(self) -> None:
        token = self.cleaned_data.get("lock")
        if self.instance.pk is None or not token:
            return
        rows = type(self.instance)._base_manager.filter(pk=self.instance.pk)
        if transaction.get_connection().in_atomic_block:
            rows = rows.select_for_update()
        current = rows.values_list("updated", flat=True).first()
        if current is None or current.isoformat() == token:
            return
        self.conflict = conflict_since(document=self.instance, token=token)
        who = self.conflict.who or "Someone"
        when = date_format(timezone.localtime(current), "j F Y, H:i:s")
        self.data = self.data.copy()
        self.data[self.add_prefix("lock")] = current.isoformat()
        self.add_error(
            None,
            f"{who} changed this page at {when}, after you opened it. What they changed is shown below; "
            "your text is still in the form. Merge what you need, then save again to keep your version.",
        )


class FAQForm(forms.ModelForm):
    """A question and its answer as wide as the body: answers run to a paragraph."""

    class Meta:
        widgets = {
            "question": forms.TextInput(attrs={"class": f"vTextField {WIDE}"}),
            "answer": forms.Textarea(attrs={"rows": 5, "class": WIDE}),
        }


class DocumentInlineFormSet(BaseInlineFormSet):
    """Rows someone else deleted while this form was open come back as new rows, not as errors.

    A submitted row whose id no longer exists would fail on its hidden id ("Please correct the
    errors below" with no visible error) and would not even be shown again. It is renumbered
    as a new row instead: the editor who saves it, after the conflict warning, means to keep it.
    """

    def __init__(self, data=None, *args, **kwargs):
        super().__init__(data, *args, **kwargs)
        if self.is_bound:
            self.data = self._rows_gone_become_new(self.data)

    def _rows_gone_become_new(self, data):
        prefix, pk_name = self.prefix, self.model._meta.pk.name
        try:
            initial = int(data[f"{prefix}-INITIAL_FORMS"])
            total = int(data[f"{prefix}-TOTAL_FORMS"])
        except (KeyError, ValueError):
            return data  # the management form's own validation reports this
        submitted = [data.get(f"{prefix}-{index}-{pk_name}", "") for index in range(initial)]
        present = {str(pk) for pk in self.get_queryset().filter(pk__in=[pk for pk in submitted if pk.isdigit()])
                   .values_list("pk", flat=True)}  # fmt: skip
        gone = [index for index, pk in enumerate(submitted) if pk not in present]
        if not gone:
            return data
        order = [index for index in range(initial) if index not in gone] + gone + list(range(initial, total))
        renumbered = data.copy()
        for key in [
            key for key in renumbered if key.startswith(f"{prefix}-") and key.split("-")[1].isdigit()
        ]:
            del renumbered[key]
        for new_index, old_index in enumerate(order):
            old_prefix = f"{prefix}-{old_index}-"
            for key in (key for key in data if key.startswith(old_prefix)):
                renumbered.setlist(f"{prefix}-{new_index}-{key[len(old_prefix) :]}", data.getlist(key))
            if old_index in gone:
                renumbered[f"{prefix}-{new_index}-{pk_name}"] = ""
        renumbered[f"{prefix}-INITIAL_FORMS"] = str(initial - len(gone))
        return renumbered


class ActionForm(forms.Form):
    """The intermediate page of an admin action that needs more than the selection."""

    title = ""
    submit = "Apply"


class ScheduleForm(ActionForm):
    title = "Schedule the selected pages"
    submit = "Schedule"
    publish_at = forms.SplitDateTimeField(
        label="Publish at", widget=AdminSplitDateTime, help_text="Readers see the pages from this time on."
    )

    def clean_publish_at(self):
        moment = self.cleaned_data["publish_at"]
        if moment <= timezone.now():
            raise forms.ValidationError(
                "Choose a time in the future; to publish now, use “Publish selected pages now”."
            )
        return moment


class ReviewForm(ActionForm):
    title = "Record the medical review of the selected pages"
    submit = "Record the review"
    medical_reviewer = forms.CharField(
        label="Medically reviewed by", max_length=200,
        help_text="Name and credentials, e.g. “Dr A. Example, MD (neurology)”; shown on the pages and handouts.",
    )  # fmt: skip
    reviewed_on = forms.DateField(label="Reviewed on", widget=admin.widgets.AdminDateWidget)
