from pathlib import Path

import pytest

SAMPLES = Path(__file__).resolve().parent / "samples"


@pytest.fixture
def samples() -> Path:
    """Real citation files and PubMed/Crossref responses published by others.

    Copied byte for byte from ../shared/samples; its README names each file's source and licence.
    """
    return SAMPLES
