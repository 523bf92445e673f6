"""Tags that differ only by case, accents or spacing become one tag with an ASCII slug.

The oldest tag of each group is kept (its name, tidied of extra spaces); the pages tagged with
the others are tagged with it instead. Every slug is then made again from the name, so none
holds a character the URL patterns refuse ("magnésium" broke the home page).
"""

from collections import defaultdict

from django.db import migrations
from django.utils.text import slugify


def _name(name):
    return " ".join(name.split())


def _slug(name):
    # As django-taggit does with TAGGIT_STRIP_UNICODE_WHEN_SLUGIFYING (without unidecode installed).
    return slugify(_name(name))


def merge_tags(apps, schema_editor):
    Tag = apps.get_model("taggit", "Tag")
    TaggedItem = apps.get_model("taggit", "TaggedItem")
    groups = defaultdict(list)
    for tag in Tag.objects.order_by("pk"):
        groups[_slug(tag.name) or f"tag-{tag.pk}"].append(tag)
    keepers = {}
    for slug, (keeper, *duplicates) in groups.items():
        for duplicate in duplicates:
            for item in TaggedItem.objects.filter(tag=duplicate):
                already = TaggedItem.objects.filter(
                    tag=keeper, content_type_id=item.content_type_id, object_id=item.object_id
                ).exists()
                if already:
                    item.delete()
                else:
                    item.tag = keeper
                    item.save(update_fields=["tag"])
            duplicate.delete()
        keepers[slug] = keeper
    # Two passes, so no new slug collides with an old one not yet changed.
    for keeper in keepers.values():
        keeper.slug = f"renaming-{keeper.pk}"
        keeper.save(update_fields=["slug"])
    for slug, keeper in keepers.items():
        keeper.name, keeper.slug = _name(keeper.name), slug
        keeper.save(update_fields=["name", "slug"])


class Migration(migrations.Migration):
    dependencies = [
        ("cramps", "0003_handout_renders"),
        ("taggit", "0006_rename_taggeditem_content_type_object_id_taggit_tagg_content_8fc721_idx"),
    ]

    operations = [migrations.RunPython(merge_tags, migrations.RunPython.noop)]
