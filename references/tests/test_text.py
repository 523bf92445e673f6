import datetime

import pytest

from references.text import (
    date_from,
    decode_latex_accents,
    isbn_from,
    normalize_pages,
    repair_mojibake,
    slugify_key,
    strip_markup,
    year_from,
)


def test_repair_mojibake_undoes_double_encoding():
    assert repair_mojibake("a Ã¢Â\x80Â\x98Sailing RockÃ¢Â\x80Â\x99") == "a ‘Sailing Rock’"
    assert repair_mojibake("CafÃ©") == "Café"


@pytest.mark.parametrize("text", ["Peñalver", "Álvarez-Parra", "Викторов", "Ä,Ö,Ü,ä,ö,ü,ß", "plain"])
def test_repair_mojibake_leaves_correct_text_alone(text):
    assert repair_mojibake(text) == text


def test_strip_markup_keeps_comparisons():
    assert strip_markup("p < 0.05 and <i>E. coli</i> > 2") == "p < 0.05 and E. coli > 2"


@pytest.mark.parametrize(
    ("latex", "text"),
    [
        (r"Exposici\'on Metodolog\'ias", "Exposición Metodologías"),
        (r"C{\'e}sar{\"u}", "Césarü"),
        (r"{\'{E}}douard", "Édouard"),
        (r"Fran\c{c}ois Dvo\v{r}\'ak", "François Dvořák"),
        (r"na\"{\i}ve", "naïve"),
        ("no accents here", "no accents here"),
    ],
)
def test_decode_latex_accents(latex, text):
    assert decode_latex_accents(latex) == text


@pytest.mark.parametrize(
    ("value", "pages"),
    [("749--758", "749-758"), ("44–59", "44-59"), ("e0815", "e0815"), ("UNSP 1722034", "1722034"),
     ("ARTN e123", "e123"), ("2457-71", "2457-71")],
)  # fmt: skip
def test_normalize_pages(value, pages):
    assert normalize_pages(value) == pages


@pytest.mark.parametrize(
    ("value", "year"), [("2014//", 2014), ("2020 Feb", 2020), ("vol. 12345", None), ("", None), (1962, 1962)]
)
def test_year_from(value, year):
    assert year_from(value) == year


@pytest.mark.parametrize(
    ("value", "date"),
    [
        ("2019/03/12/T20:12:22Z", datetime.date(2019, 3, 12)),
        ("2019-03-12TZ", datetime.date(2019, 3, 12)),
        ("2019", None),
        ("2019-02-30", None),
        (datetime.datetime(2020, 2, 3, 12, 0), datetime.date(2020, 2, 3)),
    ],
)
def test_date_from(value, date):
    assert date_from(value) == date


@pytest.mark.parametrize(
    ("value", "isbn"),
    [
        ("0006-2960", ""),
        ("0000-0000 9999-9999", ""),
        ("978-0-12-345678-9 (Print)", "978-0-12-345678-9"),
        ("0-19-852663-6", "0-19-852663-6"),
        ("0769504469; 9780769504469", "0769504469"),
    ],
)
def test_isbn_from(value, isbn):
    assert isbn_from(value) == isbn


@pytest.mark.parametrize(
    ("value", "key"),
    [
        ("doi:10.7554/elife.32822", "doi-10-7554-elife-32822"),
        ("Müller2001", "Muller2001"),
        ("a b__c", "a-b__c"),
        (" :: ", ""),
    ],
)
def test_slugify_key(value, key):
    assert slugify_key(value) == key
