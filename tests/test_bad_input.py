"""Bad files are reported by name with a reason, in one line, exit 2 — never a traceback."""

from __future__ import annotations

import io
import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from indexer.errors import (
    EmptyDocument,
    EncryptedDocument,
    InputError,
    ParseError,
    UnsupportedFormat,
)
from indexer.parse import parse_file
from tests.conftest import ROOT, ZHUZHOU, corpus_file


def _encrypted_pdf(path: Path) -> None:
    from reportlab.lib import pdfencrypt
    from reportlab.pdfgen import canvas

    enc = pdfencrypt.StandardEncryption("secret", ownerPassword="owner", strength=128)
    pdf = canvas.Canvas(str(path), encrypt=enc)
    pdf.drawString(72, 720, "confidential report")
    pdf.save()


def _bad_files(tmp: Path) -> dict[str, tuple[Path, type[InputError]]]:
    pdf = corpus_file(ZHUZHOU, "pdf").read_bytes()
    docx = corpus_file(ZHUZHOU, "docx").read_bytes()
    files: dict[str, tuple[Path, type[InputError]]] = {}

    def put(name: str, data: bytes, error: type[InputError]) -> None:
        path = tmp / name
        path.write_bytes(data)
        files[name] = (path, error)

    put("empty.pdf", b"", EmptyDocument)
    put("empty.txt", b"", EmptyDocument)
    put("blank.txt", "  \n\n\u3000\n".encode(), EmptyDocument)
    put("truncated.pdf", pdf[: len(pdf) // 2], ParseError)
    put("truncated.docx", docx[: len(docx) // 2], ParseError)
    put("random.pdf", os.urandom(4096), ParseError)
    put("random.docx", os.urandom(4096), ParseError)
    put("random.txt", os.urandom(4096), InputError)
    put("fake.docx", "这不是 Word 文件".encode(), ParseError)
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr("hello.txt", "not a document")
    put("zip-not-docx.docx", buf.getvalue(), ParseError)
    put("report.xlsx", b"PK\x03\x04whatever", UnsupportedFormat)
    put("report.doc", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 600, UnsupportedFormat)
    encrypted = tmp / "encrypted.pdf"
    _encrypted_pdf(encrypted)
    files["encrypted.pdf"] = (encrypted, EncryptedDocument)
    return files


@pytest.fixture(scope="module")
def bad_files(tmp_path_factory: pytest.TempPathFactory) -> dict[str, tuple[Path, type[InputError]]]:
    return _bad_files(tmp_path_factory.mktemp("bad"))


def test_each_bad_file_raises_a_typed_error_naming_it(
    bad_files: dict[str, tuple[Path, type[InputError]]],
) -> None:
    for name, (path, error) in bad_files.items():
        with pytest.raises(error) as caught:
            parse_file(path)
        assert str(path) in caught.value.message, name
        assert caught.value.reason, name


def test_cli_prints_one_line_and_exits_2(
    bad_files: dict[str, tuple[Path, type[InputError]]],
) -> None:
    for name, (path, _) in bad_files.items():
        proc = subprocess.run(
            [sys.executable, "-m", "indexer.cli", "parse", str(path)],
            capture_output=True,
            text=True,
            cwd=ROOT,
            timeout=120,
        )
        assert proc.returncode == 2, (name, proc.stderr)
        assert "Traceback" not in proc.stderr, name
        lines = proc.stderr.strip().splitlines()
        assert len(lines) == 1 and name in lines[0], (name, proc.stderr)
        assert proc.stdout == ""


def test_missing_file_is_reported(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="不存在"):
        parse_file(tmp_path / "nope.pdf")
