"""Derived fields of a reference stay in step with it, whatever saves it."""

from django.db.models.signals import pre_save
from django.dispatch import receiver

from .models import Reference


@receiver(pre_save, sender=Reference, dispatch_uid="references.reference_derived_fields")
def reference_derived_fields(sender, instance: Reference, **kwargs) -> None:
    """Sent by ``save()`` and by ``loaddata`` (a raw save, which skips ``save()``) alike."""
    instance.set_derived_fields()
