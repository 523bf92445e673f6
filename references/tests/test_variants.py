import pytest

from references.variants import is_cosmetic_variant

RUDE = {"family": "Rude", "given": "Robert K"}


@pytest.mark.parametrize(
    ("field", "stored", "new"),
    [
        ("pages", "CR326–30", "CR326-CR330"),
        ("title", "Magnesium for skeletal muscle cramps", "Magnesium for Skeletal Muscle Cramps."),
        ("title", "Vitamin B12 – a review", "Vitamin B12 - a review"),
        ("container_title_short", "Cochrane Database Syst Rev", "Cochrane database syst. rev."),
        ("url", "https://www.example.org/page/", "http://example.org/page"),
        ("authors", [RUDE], [{"family": "Rude", "given": "RK"}]),
        ("authors", [RUDE], [{"family": "Rude", "given": "R. K."}]),
        ("authors", [{"literal": "Institute of Medicine"}], [{"literal": "Institute of medicine."}]),
        # An organisation that RIS, which cannot mark one, turned into a person.
        (
            "authors",
            [{"literal": "Institute of Medicine, Food and Nutrition Board"}],
            [{"family": "Institute of Medicine", "given": "Food and Nutrition Board"}],
        ),
    ],
)
def test_cosmetic_variants_are_recognised(field, stored, new):
    assert is_cosmetic_variant(field, stored, new)


@pytest.mark.parametrize(
    ("field", "stored", "new"),
    [
        ("pages", "CR326-30", "CR326-CR331"),
        ("title", "Magnesium for cramps", "Magnesium for night cramps"),
        ("authors", [{"family": "Rude", "given": "RK"}], [RUDE]),  # full names say more
        ("authors", [RUDE], [RUDE, {"family": "Singer", "given": "FR"}]),
        ("authors", [RUDE], [{"family": "Rude", "given": "RJ"}]),
        ("title", "", "Magnesium"),  # filling an empty field is not cosmetic
        ("issued_year", 1998, 1999),
        (
            "authors",
            [{"literal": "Institute of Medicine"}],
            [{"family": "Medicine", "given": "Institute of"}],
        ),
    ],
)
def test_changes_that_say_more_or_other_are_not_cosmetic(field, stored, new):
    assert not is_cosmetic_variant(field, stored, new)
