"""``references.formats``: the registry, format detection, and what every parser promises."""

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from references.formats import FORMATS, ParseError, detect_format, read_file

SAMPLE_FORMATS = {"ris": "ris", "medline": "medline", "bibtex": "bibtex", "csljson": "csljson", "csv": "csv"}


def sample_files(samples):
    return [
        (name, path)
        for folder, name in SAMPLE_FORMATS.items()
        for path in sorted((samples / folder).iterdir())
    ]


def test_registry():
    assert list(FORMATS) == ["ris", "medline", "bibtex", "csljson", "csv", "xlsx", "json"]
    assert FORMATS["ris"].label == "RIS (EndNote, Zotero, Mendeley)"
    assert FORMATS["medline"].label == "PubMed / MEDLINE (.nbib)"
    assert FORMATS["medline"].dump is None
    assert all(FORMATS[name].dump for name in ("ris", "bibtex", "csljson"))
    assert FORMATS["bibtex"].extensions == (".bib", ".bibtex")
    assert FORMATS["xlsx"].binary and not FORMATS["csv"].binary


def test_every_sample_is_detected_by_its_content(samples):
    for name, path in sample_files(samples):
        assert detect_format("upload.txt", path.read_bytes()) == name, path.name


def test_every_sample_parses_into_complete_records(samples):
    fields = None
    for name, path in sample_files(samples):
        records = FORMATS[name].parse(path.read_bytes())
        assert records, path.name
        for record in records:
            fields = fields or list(record)
            assert list(record) == fields
            assert all(isinstance(record[field], str) for field in fields if field not in _NON_TEXT)


_NON_TEXT = {"authors", "editors", "issued_year", "accessed"}


@pytest.mark.parametrize(
    ("filename", "data", "name"),
    [
        ("export.RIS", b"", "ris"),
        ("pubmed-cramps-set.nbib", b"", "medline"),
        ("library.bib", b"", "bibtex"),
        ("items.json", b"", "csljson"),
        ("savedrecs.txt", b"FN Clarivate Analytics Web of Science\nVR 1.0\nPT J\n", "ris"),
        ("pubmed.txt", b"\nPMID- 12230038\nOWN - NLM\n", "medline"),
        ("refs.txt", "\ufeffTY  - JOUR\n".encode(), "ris"),
        ("refs", b"% comment\n\n@Article{key,\n title={x}}", "bibtex"),
        ("refs", b'  [{"id": "a"}]', "csljson"),
        ("refs.json", b'[{"key": "a", "title": "A", "issued_year": 2000}]', "json"),
        ("refs.json", b'[{"id": "a", "title": "A", "issued": {}}]', "csljson"),
        ("scopus.csv", b"Authors,Title,Year\n", "csv"),
        ("savedrecs.txt", b"PT\tAU\tBA\tTI\tSO\n", "csv"),
        ("refs.tsv", b"a\tb\n", "csv"),
        ("export.txt", b"Title;Authors;Year\n", "csv"),
        ("refs", b"PK\x03\x04rest", "xlsx"),
        ("one-space.txt", b"TY - JOUR\nTI - A\nER - \n", "ris"),
        ("notes.txt", b"Some notes about cramps.", None),
        ("empty", b"", None),
    ],
)
def test_detect_format(filename, data, name):
    assert detect_format(filename, data) == name


@pytest.mark.parametrize("reader", ["ris", "medline", "bibtex", "csljson", "json"])
def test_a_sample_of_another_format_is_a_parse_error(samples, reader):
    """Choosing the wrong format gives a message, never a crash or records made of junk."""
    for name, path in sample_files(samples):
        if name == reader:
            continue
        with pytest.raises(ParseError):
            FORMATS[reader].parse(path.read_bytes())


@pytest.mark.parametrize("reader", ["ris", "medline", "bibtex", "csljson", "csv", "json"])
@settings(max_examples=150, deadline=None)
@given(data=st.one_of(st.binary(max_size=300), st.text(max_size=300)))
def test_any_input_gives_records_or_a_parse_error(reader, data):
    try:
        records = FORMATS[reader].parse(data)
    except ParseError as error:
        assert str(error)
    else:
        assert isinstance(records, list) and records


def test_read_file_names_the_format_and_applies_the_row_cap():
    data = "".join(f"TY  - JOUR\nTI  - Work {n}\nER  - \n\n" for n in range(12)).encode()

    assert read_file("refs.txt", data, max_records=12).format == "ris"
    with pytest.raises(
        ParseError, match="The file holds 12 references; Cramps imports at most 11 from one file."
    ):
        read_file("refs.txt", data, max_records=11)
