"""``references.formats.common``: decoding uploads, JSON depth, the checks on tagged-line formats."""

import codecs
import re

import pytest

from references.formats.common import (
    ParseError,
    check_tagged_records,
    decode,
    decode_text,
    load_json,
    read_text,
)


def test_decode_text_utf8_with_bom_and_crlf():
    assert (
        decode_text(codecs.BOM_UTF8 + "TY  - JOUR\r\nAU  - Müller\r\n".encode())
        == "TY  - JOUR\nAU  - Müller\n"
    )


@pytest.mark.parametrize("encoding", ["utf-16", "utf-16-be"])
def test_decode_text_utf16_with_bom(encoding):
    data = "TY  - JOUR\r\nTI  - Crampes musculaires\r\n".encode(encoding)
    if encoding == "utf-16-be":
        data = codecs.BOM_UTF16_BE + data

    assert decode_text(data) == "TY  - JOUR\nTI  - Crampes musculaires\n"


def test_decode_text_falls_back_to_windows_1252():
    decoded = decode("“Crampes” – été".encode("cp1252"))

    assert (decoded.text, decoded.description) == ("“Crampes” – été", "Windows-1252 (guessed)")


def test_decode_text_reads_bytes_undefined_in_windows_1252_as_latin_1():
    assert decode_text(b"caf\xe9 \x81") == "café \x81"


@pytest.mark.parametrize(
    ("text", "encoding", "name"),
    [
        ("王小明, 李华: 镁缺乏与夜间腿部肌肉痉挛的关系研究, 中华医学杂志", "gb18030", "GB18030 (Chinese, GBK)"),
        ("Викторов Михаил Маркович: Методы вычисления физико-химических величин", "cp1251",
         "Windows-1251 (Cyrillic)"),
    ],
)  # fmt: skip
def test_decode_guesses_encodings_with_runs_of_non_ascii_bytes(text, encoding, name):
    decoded = decode(text.encode(encoding))

    assert (decoded.text, decoded.name, decoded.guessed) == (text, name, True)


def test_decode_with_a_chosen_encoding():
    decoded = decode("Крампи".encode("cp1251"), "cp1251")

    assert (decoded.text, decoded.guessed) == ("Крампи", False)


def test_utf8_is_not_a_guess():
    assert decode("Müller".encode()).description == "UTF-8"


def test_read_text_refuses_empty_files():
    with pytest.raises(ParseError, match="empty"):
        read_text(b"  \n\n")


def test_read_text_refuses_binary_files():
    with pytest.raises(ParseError, match="binary"):
        read_text(b"%PDF-1.5\n\x00\x01\x02\xff\xfe\x00stream")


def test_read_text_explains_utf16_without_bom():
    with pytest.raises(ParseError, match="UTF-16"):
        read_text("TY  - JOUR\nTI  - Cramps\nER  - \n".encode("utf-16-le"))


def test_json_nested_deeper_than_the_limit_is_refused_before_parsing():
    with pytest.raises(ParseError, match="nested more than 20 levels deep"):
        load_json("[" * 100_000 + "]" * 100_000, "CSL-JSON")


def test_json_brackets_inside_strings_do_not_count():
    assert load_json('[{"title": "' + "[" * 50 + '"}]', "CSL-JSON") == [{"title": "[" * 50}]


def _tag_of(line: str) -> str | None:
    return line[:2] if line[2:5] == "  -" else None


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("TY  - JOUR\nTI  - A\n", "record 1 (line 1) has no ER line; the file looks truncated"),
        (
            "TI  - A\nER  - \n",
            "line 1: the TI line is outside any record; every record must start with a TY line",
        ),
        ("TY  - JOUR\nTY  - BOOK\nER  - \n", "line 2: record 2 starts before record 1 (line 1) has ended"),
        ("just text\n", "No RIS records found"),
        ("NL  - Clin Psychol\n", "No RIS records found"),
    ],
)
def test_check_tagged_records_errors(text, message):
    with pytest.raises(ParseError, match=re.escape(message)):
        check_tagged_records(text.split("\n"), _tag_of, start="TY", end="ER", format_name="RIS")


def test_check_tagged_records_counts_records_and_notes_lines_outside_them():
    text = "1.\nTY  - JOUR\nER  - \nNL  - Clin Psychol\n\nTY  - BOOK\nER  - \n"

    count, notes = check_tagged_records(text.split("\n"), _tag_of, start="TY", end="ER", format_name="RIS")

    assert count == 2
    assert notes == ["Line 4: the NL line is outside any record; it was ignored."]
