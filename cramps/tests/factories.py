"""Small builders for test data: ``make_article(**overrides)`` and friends."""

from itertools import count

from cramps.citing import citations_batch
from cramps.models import (
    FAQ,
    Article,
    FoodSource,
    IntakeValue,
    Interaction,
    KeyPoint,
    Nutrient,
    NutrientForm,
    Status,
)
from references.models import Reference

_serial = count(1)


def make_reference(**overrides) -> Reference:
    n = next(_serial)
    fields = {
        "key": f"author{n}",
        "title": f"A study of cramps number {n}",
        "authors": [{"family": f"Author{n}", "given": "A. B."}],
        "container_title": "Journal of Cramp Studies",
        "container_title_short": "J Cramp Stud",
        "issued_year": 2000 + n % 20,
        "volume": "12",
        "issue": "3",
        "pages": f"{n}0-{n}9",
    }
    fields.update(overrides)
    return Reference.objects.create(**fields)


def make_article(*, key_points=(), faqs=(), tags=(), nutrients=(), **overrides) -> Article:
    n = next(_serial)
    fields = {"title": f"Article {n}", "summary": "A short summary.", "body": "## Section\n\nText.",
              "status": Status.PUBLISHED}  # fmt: skip
    fields.update(overrides)
    with citations_batch():
        article = Article.objects.create(**fields)
        for position, text in enumerate(key_points):
            KeyPoint.objects.create(article=article, position=position, text=text)
        for position, (question, answer) in enumerate(faqs):
            FAQ.objects.create(article=article, position=position, question=question, answer=answer)
    if tags:
        article.tags.add(*tags)
    if nutrients:
        article.related_nutrients.add(*nutrients)
    return article


def make_nutrient(*, foods=(), interactions=(), tags=(), intakes=(), forms=(), **overrides) -> Nutrient:
    """``foods``/``interactions`` as tuples; ``intakes``/``forms`` as dicts of their fields."""
    n = next(_serial)
    fields = {"title": f"Nutrient {n}", "summary": "A mineral.", "body": "## What it is\n\nText.",
              "status": Status.PUBLISHED}  # fmt: skip
    fields.update(overrides)
    with citations_batch():
        nutrient = Nutrient.objects.create(**fields)
        for position, (food, amount, notes) in enumerate(foods):
            FoodSource.objects.create(
                nutrient=nutrient, position=position, food=food, amount=amount, notes=notes
            )
        for position, (medication, effect) in enumerate(interactions):
            Interaction.objects.create(
                nutrient=nutrient, position=position, medication=medication, effect=effect
            )
        for position, fields in enumerate(intakes):
            IntakeValue.objects.create(nutrient=nutrient, position=position, **fields)
        for position, fields in enumerate(forms):
            NutrientForm.objects.create(nutrient=nutrient, position=position, **fields)
    if tags:
        nutrient.tags.add(*tags)
    return nutrient


ROLES = ("Writer", "Medical reviewer", "Publisher")


def make_user(username: str, *groups: str, permissions=(), **fields):
    """A staff user in the given groups (the roles made by the data migration), with extra permissions."""
    from django.contrib.auth.models import Group, Permission, User

    user = User.objects.create_user(username, f"{username}@example.com", "pw", is_staff=True, **fields)
    user.groups.add(*Group.objects.filter(name__in=groups))
    user.user_permissions.add(*Permission.objects.filter(codename__in=permissions))
    return User.objects.get(pk=user.pk)  # fresh: no cached permissions
