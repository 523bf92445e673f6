"""Changes to a page made outside its own ``save()`` still move its "Last updated" stamp.

Inline rows touch their page when saved with a real change (``OrderedItem.save``); these
receivers cover the rest: deleted inline rows, tags added or removed, related nutrients linked
or unlinked. Connected in ``CrampsConfig.ready``.
"""

from django.db.models.signals import m2m_changed, post_delete
from django.dispatch import receiver
from taggit.models import TaggedItem

from .models import FAQ, Article, Document, FoodSource, IntakeValue, Interaction, KeyPoint, NutrientForm


@receiver(post_delete, sender=KeyPoint)
@receiver(post_delete, sender=FAQ)
@receiver(post_delete, sender=IntakeValue)
@receiver(post_delete, sender=FoodSource)
@receiver(post_delete, sender=NutrientForm)
@receiver(post_delete, sender=Interaction)
def inline_deleted(sender, instance, **kwargs) -> None:
    owner_model = instance._meta.get_field(instance.owner_field).related_model
    owner = owner_model._base_manager.filter(pk=getattr(instance, f"{instance.owner_field}_id")).first()
    if owner is not None:
        owner.touch()


@receiver(m2m_changed, sender=TaggedItem)
def tags_changed(sender, instance, action, pk_set, **kwargs) -> None:
    if not isinstance(instance, Document):
        return
    if (action in ("post_add", "post_remove") and pk_set) or action == "post_clear":
        instance.touch()


@receiver(m2m_changed, sender=Article.related_nutrients.through)
def related_nutrients_changed(sender, instance, action, reverse, pk_set, **kwargs) -> None:
    if action not in ("post_add", "post_remove", "post_clear"):
        return
    if reverse:
        # A nutrient's list of articles changed: touch those articles (unknown after a clear).
        articles = Article.objects.filter(pk__in=pk_set or ())
    else:
        articles = [instance] if pk_set or action == "post_clear" else []
    for article in articles:
        article.touch()
