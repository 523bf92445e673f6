"""Tags: one tag per ASCII slug, whatever the case, accents or spacing of its name.

"Magnésium", "magnesium" and " MAGNESIUM " are one tag, shown under the name it was first
given, at ``/tags/magnesium/`` (TAGGIT_STRIP_UNICODE_WHEN_SLUGIFYING makes slugs ASCII, so
every tag has an address the URL patterns accept). ``Tags`` is django-taggit's field with
this rule in its manager and in the admin's form field.
"""

from django.core.exceptions import ValidationError
from taggit.forms import TagField
from taggit.managers import TaggableManager, _TaggableManager
from taggit.models import Tag


def tag_name(name: str) -> str:
    """A tag's name as stored: inner runs of spaces collapsed, none at either end."""
    return " ".join(name.split())


def tag_slug(name: str) -> str:
    """The ASCII slug that identifies a tag (accents dropped); empty if nothing of it is ASCII."""
    return Tag().slugify(tag_name(name))


class SlugTagManager(_TaggableManager):
    """Resolves tag names to existing tags by slug before django-taggit creates any."""

    def _to_tag_model_instances(self, tags, tag_kwargs):
        tags_by_slug = self.through.tag_model()._default_manager
        resolved = []
        for tag in tags:
            if isinstance(tag, str):
                name, slug = tag_name(tag), tag_slug(tag)
                if not slug:
                    raise ValueError(
                        f"“{tag}” cannot be a tag: it has no letter or digit from A to Z or 0 to 9."
                    )
                tag = (
                    tags_by_slug.filter(slug=slug, **tag_kwargs).first()
                    or tags_by_slug.filter(name__iexact=name, **tag_kwargs).first()
                    or tags_by_slug.get_or_create(slug=slug, defaults={"name": name, **tag_kwargs})[0]
                )
            resolved.append(tag)
        return super()._to_tag_model_instances(resolved, tag_kwargs)


class SlugTagField(TagField):
    """The comma-separated tags box, refusing names that could have no address."""

    def clean(self, value):
        names = super().clean(value)
        if unusable := [name for name in names if not tag_slug(name)]:
            raise ValidationError(
                f"“{unusable[0]}” cannot be a tag: its address needs a letter or digit from A to Z or 0 to 9."
            )
        return list(dict.fromkeys(tag_name(name) for name in names))


class Tags(TaggableManager):
    def __init__(self, **kwargs):
        kwargs.setdefault("manager", SlugTagManager)
        super().__init__(**kwargs)

    def formfield(self, form_class=SlugTagField, **kwargs):
        return super().formfield(form_class=form_class, **kwargs)

    def deconstruct(self):
        # The same column and relation as django-taggit's field: migrations need not know.
        name, _, args, kwargs = super().deconstruct()
        return name, "taggit.managers.TaggableManager", args, kwargs
