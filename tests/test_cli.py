"""The headless CLI: streaming output, JSON, page selection, exit codes, no tracebacks."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest
from PIL import Image, ImageDraw

from glmocr_desktop import cli

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


@pytest.fixture
def scan(tmp_path):
    img = Image.new("RGB", (400, 300), "white")
    ImageDraw.Draw(img).text((20, 20), "Invoice 42", fill="black")
    path = tmp_path / "scan.png"
    img.save(path)
    return path


@pytest.fixture
def pdf3(tmp_path):
    fitz = pytest.importorskip("fitz")
    doc = fitz.open()
    for i in range(3):
        page = doc.new_page(width=300, height=200)
        page.insert_text((30, 60), f"Page number {i + 1}")
    path = tmp_path / "three.pdf"
    doc.save(path)
    return path


def run_cli(*args: str) -> subprocess.CompletedProcess:
    env = dict(os.environ, PYTHONPATH=ROOT)
    return subprocess.run([sys.executable, "-m", "glmocr_desktop", "ocr", *args], capture_output=True,
                          text=True, env=env, timeout=240)


def test_json_output_carries_the_fields(tiny_model_dir, scan, capsys):
    rc = cli.main(["ocr", str(scan), "--model", str(tiny_model_dir), "--device", "cpu", "--format", "json",
                   "--max-new-tokens", "6", "--region", "0,0,0.5,0.5", "-q", "--no-fast"])
    out = capsys.readouterr().out
    assert rc == 0
    data = json.loads(out)
    assert data["file"] == str(scan) and data["page"] == 1 and data["task"] == "text"
    assert data["region"] == [0.0, 0.0, 0.5, 0.5]
    assert data["model"] and isinstance(data["text"], str)
    assert data["timings"]["generated_tokens"] >= 1 and data["timings"]["image_tokens"] > 0
    # six tokens of random weights never reach an end: the limit ended it, and the JSON says so
    assert data["timings"]["generated_tokens"] == 6
    assert data["truncated"] is True and "6 tokens" in data["truncated_reason"]
    assert data["cut"] is False and data["cut_reason"] is None


def test_pages_and_progress(tiny_model_dir, pdf3, capsys):
    rc = cli.main([str(pdf3), "--pages", "1,3", "--model", str(tiny_model_dir), "--device", "cpu",
                   "--max-new-tokens", "3", "--task", "formula", "--format", "json", "--no-fast"])
    captured = capsys.readouterr()
    assert rc == 0
    data = json.loads(captured.out)
    assert [d["page"] for d in data] == [1, 3]
    assert all(d["task"] == "formula" and d["text"].startswith("$$") for d in data)
    assert "[1/2]" in captured.err and "[2/2]" in captured.err


def test_markdown_to_file(tiny_model_dir, pdf3, tmp_path, capsys):
    out = tmp_path / "out.md"
    rc = cli.main([str(pdf3), "--pages", "2", "--model", str(tiny_model_dir), "--device", "cpu",
                   "--max-new-tokens", "4", "-o", str(out), "-q", "--no-fast"])
    assert rc == 0
    assert capsys.readouterr().out == ""
    # the file holds the page's text: the same text the JSON output carries for the same run
    rc = cli.main([str(pdf3), "--pages", "2", "--model", str(tiny_model_dir), "--device", "cpu",
                   "--max-new-tokens", "4", "--format", "json", "-q", "--no-fast"])
    assert rc == 0
    page = json.loads(capsys.readouterr().out)  # one page: one object
    assert page["page"] == 2 and page["text"].strip()
    assert page["text"].strip() in out.read_text(encoding="utf-8")


def test_extract_needs_a_valid_template(tiny_model_dir, scan, tmp_path, capsys):
    assert cli.main([str(scan), "--task", "extract"]) == cli.EXIT_INPUT
    bad = tmp_path / "bad.json"
    bad.write_text('{"total": 5}')
    assert cli.main([str(scan), "--task", "extract", "--template", str(bad)]) == cli.EXIT_INPUT
    err = capsys.readouterr().err
    assert "total" in err and "Traceback" not in err


def test_usage_errors_exit_2():
    proc = run_cli()
    assert proc.returncode == 2 and "usage" in proc.stderr.lower()
    proc = run_cli("x.png", "--task", "poetry")
    assert proc.returncode == 2 and "Unknown task" in proc.stderr and "Traceback" not in proc.stderr


def test_input_errors_exit_3(tmp_path):
    missing = tmp_path / "missing.png"
    proc = run_cli(str(missing))
    assert proc.returncode == 3 and "Traceback" not in proc.stderr and "missing.png" in proc.stderr
    proc = run_cli(str(tmp_path), "--region", "0.5,0.5,0.2,0.9")
    assert proc.returncode == 3 and "region" in proc.stderr.lower() and "Traceback" not in proc.stderr


def test_model_errors_exit_4(scan, tmp_path):
    proc = run_cli(str(scan), "--model", str(tmp_path / "no-model-here"))
    assert proc.returncode == 4, proc.stderr
    assert "Traceback" not in proc.stderr and "hf download" in proc.stderr


def test_encrypted_pdf_password(tiny_model_dir, corpus_dir, capsys):
    pdf = corpus_dir / "pdfs" / "pypdf_r6-user-password.pdf"
    assert cli.main([str(pdf), "--model", str(tiny_model_dir), "-q"]) == cli.EXIT_INPUT
    assert "password" in capsys.readouterr().err.lower()
    rc = cli.main([str(pdf), "--password", "asdfzxcv", "--model", str(tiny_model_dir), "--device", "cpu",
                   "--max-new-tokens", "2", "--format", "json", "-q", "--no-fast"])
    assert rc == 0
    assert json.loads(capsys.readouterr().out)
