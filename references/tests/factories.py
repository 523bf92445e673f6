"""A full record for format tests: ``make_record(**overrides)``."""

import datetime

from references.record import build_record


def make_record(**overrides) -> dict:
    """A journal article with every field filled; override what a test is about."""
    fields = {
        "type": "article-journal",
        "key": "rude1998",
        "authors": [{"family": "Rude", "given": "Robert K"}, {"literal": "World Health Organization"}],
        "editors": [{"family": "Shils", "given": "Maurice E"}],
        "title": "Magnesium deficiency: a cause of heterogeneous disease in humans",
        "container_title": "Journal of Bone and Mineral Research",
        "container_title_short": "J Bone Miner Res",
        "issued_year": 1998,
        "volume": "13",
        "issue": "4",
        "pages": "749-58",
        "publisher": "Wiley",
        "publisher_place": "Hoboken",
        "edition": "2",
        "url": "https://example.org/rude",
        "doi": "10.1359/jbmr.1998.13.4.749",
        "pmid": "9556074",
        "pmcid": "PMC1234567",
        "isbn": "978-0-19-852663-6",
        "accessed": datetime.date(2024, 5, 1),
        "abstract": "Magnesium is the fourth most abundant cation in the body.",
        "note": "First line\nsecond line",
    }
    return build_record(**{**fields, **overrides})
