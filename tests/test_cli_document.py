"""The CLI's document path: layout, per-block prompts, assembled Markdown / JSON / Word / PDF output."""

from __future__ import annotations

import json

import pytest

pytest.importorskip("torch")
pytest.importorskip("cv2")

from glmocr_desktop import cli

TWO_PAGES = ("pdfs", "pdfjs_rotation.pdf")


@pytest.fixture
def pdf(corpus_dir):
    return corpus_dir.joinpath(*TWO_PAGES)


def base_args(tiny_model_dir, *more):
    return ["ocr", *more, "--model", str(tiny_model_dir), "--device", "cpu", "--no-fast", "--max-new-tokens", "3"]


def test_layout_json_has_the_sdk_schema(tiny_model_dir, tiny_layout_model_dir, pdf, tmp_path, capsys):
    out = tmp_path / "doc.json"
    rc = cli.main(base_args(tiny_model_dir, str(pdf), "--layout", "--layout-model", str(tiny_layout_model_dir),
                            "--format", "json", "-o", str(out)))
    err = capsys.readouterr().err
    assert rc == 0, err
    pages = json.loads(out.read_text(encoding="utf-8"))
    assert isinstance(pages, list) and len(pages) == 2
    blocks = [b for page in pages for b in page]
    assert blocks, "the tiny layout model finds regions on these pages"
    for page in pages:
        assert [b["index"] for b in page] == list(range(len(page)))
    for b in blocks:
        assert b["label"] in {"text", "table", "formula", "image"} and b["native_label"]
        assert len(b["bbox_2d"]) == 4 and all(0 <= v <= 1000 for v in b["bbox_2d"])
    assert "[1/2]" in err and "[2/2]" in err and "layout:" in err and "regions" in err


def test_layout_is_the_default_when_the_model_is_found(tiny_model_dir, tiny_layout_model_dir, pdf, capsys,
                                                       monkeypatch):
    monkeypatch.setenv("GLMOCR_LAYOUT_MODEL", str(tiny_layout_model_dir))
    rc = cli.main(base_args(tiny_model_dir, str(pdf), "--pages", "1", "--format", "json"))
    captured = capsys.readouterr()
    assert rc == 0, captured.err
    assert "layout:" in captured.err
    assert isinstance(json.loads(captured.out), list)  # pages of blocks, not one result per page


def test_without_the_layout_model_pages_are_read_whole(tiny_model_dir, pdf, capsys):
    rc = cli.main(base_args(tiny_model_dir, str(pdf), "--pages", "1", "--format", "json"))
    captured = capsys.readouterr()
    assert rc == 0, captured.err
    assert "not on this computer" in captured.err and "hf download" in captured.err
    assert json.loads(captured.out)["task"] == "text"  # the model-only result


def test_no_layout_keeps_the_model_only_path(tiny_model_dir, tiny_layout_model_dir, pdf, capsys):
    rc = cli.main(base_args(tiny_model_dir, str(pdf), "--pages", "1", "--no-layout", "--layout-model",
                            str(tiny_layout_model_dir), "--format", "json"))
    captured = capsys.readouterr()
    assert rc == 0 and "layout:" not in captured.err
    assert json.loads(captured.out)["page"] == 1


def test_markdown_and_searchable_pdf(tiny_model_dir, tiny_layout_model_dir, pdf, tmp_path, capsys):
    fitz = pytest.importorskip("pymupdf")
    layout = ["--layout-model", str(tiny_layout_model_dir)]
    rc = cli.main(base_args(tiny_model_dir, str(pdf), *layout, "--format", "md"))
    captured = capsys.readouterr()
    assert rc == 0, captured.err and captured.out.strip()
    out = tmp_path / "doc.pdf"
    rc = cli.main(base_args(tiny_model_dir, str(pdf), *layout, "--format", "pdf", "-o", str(out), "-q"))
    assert rc == 0 and capsys.readouterr().err == ""
    with fitz.open(out) as doc:
        assert doc.page_count == 2 and doc[0].get_text().strip()  # the invisible text layer


def test_word_output(tiny_model_dir, tiny_layout_model_dir, pdf, tmp_path, capsys):
    pytest.importorskip("pypandoc")
    out = tmp_path / "doc.docx"
    rc = cli.main(base_args(tiny_model_dir, str(pdf), "--pages", "2", "--layout-model", str(tiny_layout_model_dir),
                            "--format", "docx", "-o", str(out)))
    assert rc == 0, capsys.readouterr().err
    assert out.read_bytes()[:2] == b"PK"  # a Word file is a zip


def test_several_files_go_into_a_folder(tiny_model_dir, tiny_layout_model_dir, pdf, corpus_dir, tmp_path, capsys):
    other = corpus_dir / "pdfs" / "docling_ocr_test.pdf"
    out = tmp_path / "results"
    rc = cli.main(base_args(tiny_model_dir, str(pdf), str(other), "--pages", "1", "--layout-model",
                            str(tiny_layout_model_dir), "--format", "json", "-o", str(out)))
    assert rc == 0, capsys.readouterr().err
    assert sorted(p.name for p in out.glob("*.json")) == ["docling_ocr_test.json", "pdfjs_rotation.json"]
    for result in out.glob("*.json"):  # each picture block's crop is saved beside its file
        for page in json.loads(result.read_text(encoding="utf-8")):
            for block in page:
                if block["label"] == "image":
                    assert (out / block["image_path"]).is_file()


def test_region_or_task_with_a_document_format(tiny_model_dir, pdf, tmp_path, capsys):
    out = tmp_path / "tables.json"
    rc = cli.main(base_args(tiny_model_dir, str(pdf), "--task", "table", "--region", "0,0,1,0.5",
                            "--format", "pdf", "-o", str(tmp_path / "t.pdf")))
    assert rc == 0, capsys.readouterr().err
    rc = cli.main(base_args(tiny_model_dir, str(pdf), "--pages", "1", "--task", "table", "--format", "json",
                            "-o", str(out)))
    assert rc == 0 and json.loads(out.read_text())["task"] == "table"  # no layout for a chosen task


def test_usage_and_model_errors(tiny_model_dir, tiny_layout_model_dir, pdf, tmp_path, capsys):
    layout = ["--layout-model", str(tiny_layout_model_dir)]
    assert cli.main(base_args(tiny_model_dir, str(pdf), "--layout", "--region", "0,0,1,1", *layout)) == 2
    assert "--region" in capsys.readouterr().err
    assert cli.main(base_args(tiny_model_dir, str(pdf), "--format", "docx")) == 2
    assert "-o OUT" in capsys.readouterr().err
    with pytest.raises(SystemExit) as exited:
        cli.main(base_args(tiny_model_dir, str(pdf), "--layout", "--no-layout"))
    assert exited.value.code == 2
    capsys.readouterr()
    rc = cli.main(base_args(tiny_model_dir, str(pdf), "--layout", "--layout-model", str(tmp_path / "none")))
    err = capsys.readouterr().err
    assert rc == 4 and "hf download" in err and "Traceback" not in err


def test_keep_abandoned_reaches_the_layout_rules(tiny_model_dir, tiny_layout_model_dir, pdf, tmp_path, capsys):
    counts = []
    for extra in ([], ["--keep-abandoned"]):
        out = tmp_path / f"doc{len(counts)}.json"
        rc = cli.main(base_args(tiny_model_dir, str(pdf), "--pages", "1", "--layout-model",
                                str(tiny_layout_model_dir), *extra, "--format", "json", "-o", str(out)))
        assert rc == 0
        err = capsys.readouterr().err
        counts.append(int(err.split("layout: ")[1].split(" regions")[0]))
    assert counts[1] >= counts[0]
