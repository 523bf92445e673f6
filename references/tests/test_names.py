import pytest

from references.names import name_from_text, name_to_text, names_from_lines, names_to_lines


@pytest.mark.parametrize(
    ("text", "name"),
    [
        ("Rude, Robert K", {"family": "Rude", "given": "Robert K"}),
        ("  Rude ,  RK ", {"family": "Rude", "given": "RK"}),
        ("Plato,", {"family": "Plato"}),
        ("World Health Organization", {"literal": "World Health Organization"}),
        ("{Institute of Medicine, Food and Nutrition Board}",
         {"literal": "Institute of Medicine, Food and Nutrition Board"}),
    ],
)  # fmt: skip
def test_name_from_text(text, name):
    assert name_from_text(text) == name


@pytest.mark.parametrize(
    "name",
    [
        {"family": "Rude", "given": "RK"},
        {"family": "Plato"},
        {"literal": "American Diabetes Association"},
        {"literal": "U.S. Department of Agriculture, Agricultural Research Service"},
    ],
)
def test_names_survive_a_round_trip_through_text(name):
    assert name_from_text(name_to_text(name)) == name
    assert names_from_lines(names_to_lines([name, name])) == [name, name]
