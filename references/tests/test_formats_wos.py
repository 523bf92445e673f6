import pytest

from references.formats import ParseError, wos


def test_web_of_science_export(samples):
    first, second = wos.parse((samples / "ris" / "example_wos.ris").read_bytes())

    assert first["type"] == "article-journal"
    assert first["title"] == (
        "Interactions stabilizing the structure of the core light-harvesting complex (LHl) "
        "of photosynthetic bacteria and its subunit (B820)"
    )
    assert first["authors"] == [
        {"family": "Parkes-Loach", "given": "PS"},
        {"family": "Majeed", "given": "AP"},
        {"family": "Law", "given": "CJ"},
        {"family": "Loach", "given": "PA"},
    ]
    assert (first["container_title"], first["container_title_short"]) == ("BIOCHEMISTRY", "Biochemistry")
    assert (first["issued_year"], first["volume"], first["issue"], first["pages"]) == (
        2004,
        "43",
        "22",
        "7003-7016",
    )
    assert (first["doi"], first["pmid"]) == ("10.1021/bi049798f", "15170338")
    assert (first["publisher"], first["publisher_place"]) == ("AMER CHEMICAL SOC", "WASHINGTON")
    assert first["abstract"].startswith("Reconstitution experiments with a chemically synthesized")
    assert second["title"].startswith("Proximal and distal influences on ligand binding kinetics")
    assert len(second["authors"]) == 9
    assert (second["pages"], second["doi"], second["pmid"]) == ("7017-7027", "10.1021/bi0497291", "15170339")


def test_is_wos():
    assert wos.is_wos("FN Clarivate Analytics Web of Science\nVR 1.0\n")
    assert wos.is_wos("\nPT J\nAU Rude, RK\n")
    assert not wos.is_wos("TY  - JOUR\n")
    assert not wos.is_wos("PT  - Journal Article\n")


def test_truncated_export(samples):
    text = (samples / "ris" / "example_wos.ris").read_text(encoding="utf-8")
    truncated = text[: text.index("ER\n\nPT J")]

    with pytest.raises(ParseError) as error:
        wos.parse(truncated)

    assert "Web of Science export: record 1 (line 3) has no ER line" in str(error.value)
