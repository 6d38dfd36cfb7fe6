"""Headless command line: the same documents, jobs and engine as the app, printed to a terminal.

    glmocr-desktop ocr scan.pdf --pages 1-2 --task text
    glmocr-desktop-ocr invoice.png --task extract --template invoice.json --format json -o out.json
    glmocr-desktop-ocr paper.pdf --layout --format docx -o paper.docx   # layout blocks, each with its prompt

Exit codes: 0 ok, 2 usage, 3 input error, 4 model error, 5 export error, 130 interrupted.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections import Counter
from pathlib import Path
from typing import NoReturn, TextIO

from glmocr_desktop import APP_NAME, DEFAULT_MODEL_ID, __version__
from glmocr_desktop.core import formats, paths
from glmocr_desktop.core.errors import InputError, ModelError, OcrError
from glmocr_desktop.core.regions import Region, TaskRegion
from glmocr_desktop.core.results import Result
from glmocr_desktop.core.run_request import build_run_requests
from glmocr_desktop.core.tasks import Task
from glmocr_desktop.engines.layout import DEFAULT_LAYOUT_MODEL_ID

EXIT_OK, EXIT_USAGE, EXIT_INPUT, EXIT_MODEL, EXIT_INTERRUPTED = 0, 2, 3, 4, 130


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:  # usage errors: exit 2 without a traceback
        self.print_usage(sys.stderr)
        self.exit(EXIT_USAGE, f"{self.prog}: error: {message}\n")


def build_parser() -> argparse.ArgumentParser:
    p = _Parser(
        prog="glmocr-desktop ocr",
        description=f"{APP_NAME} {__version__}: recognise text, formulas, tables or fields in scans and PDFs.",
    )
    p.add_argument("files", nargs="+", metavar="FILE", help=f"images ({formats.image_types_text()}) or PDFs")
    p.add_argument("--task", default="text", help="text | formula | table | extract (default: text)")
    p.add_argument("--template", metavar="F", help="extraction template: a JSON file whose leaf values are \"\"")
    p.add_argument("--pages", metavar="SPEC", help="pages to read, e.g. 1-3,7 (default: all)")
    p.add_argument("--region", metavar="x0,y0,x1,y1", help="a part of each page, as fractions 0..1 of its size")
    p.add_argument("--password", metavar="P", help="password of an encrypted PDF")
    p.add_argument("--model", metavar="ID|DIR|NAME", default=None,
                   help=f"hub id (from the local cache) or model folder (default: {DEFAULT_MODEL_ID}); with a "
                        "remote engine, the served model name (default: glm-ocr)")
    remote = p.add_argument_group("remote engine (a GPU server: vLLM, SGLang, Ollama, glmocr-desktop serve)")
    remote.add_argument("--engine", default="local", choices=["local", "openai", "ollama"],
                        help="local: this computer; openai: an OpenAI-compatible server; ollama: Ollama's API")
    remote.add_argument("--base-url", metavar="URL", action="append", default=[],
                        help="server URL, e.g. http://gpu-box:8000 (repeat for several servers)")
    remote.add_argument("--api-key-env", metavar="VAR", help="environment variable holding the server's API key")
    remote.add_argument("--concurrency", type=int, default=8, metavar="N",
                        help="requests in flight at once over all servers (default: 8)")
    p.add_argument("--device", default="auto", choices=["auto", "cuda", "mps", "cpu"])
    p.add_argument("--dtype", default="auto", choices=["auto", "bf16", "fp16", "fp32"])
    p.add_argument("--dpi", type=float, default=200.0, help="PDF render resolution (default: 200)")
    p.add_argument("--max-new-tokens", type=int, metavar="N", help="limit on generated tokens per page/region")
    p.add_argument("--format", default="md", choices=["md", "json", "docx", "pdf"],
                   help="output format (default: md); docx (Word) and pdf (searchable) need -o")
    layout = p.add_mutually_exclusive_group()
    layout.add_argument("--layout", dest="layout", action="store_true", default=None,
                        help="find the page layout and read each block with the prompt of its kind, in reading "
                             "order (the default for whole pages when the layout model is on this computer)")
    layout.add_argument("--no-layout", dest="layout", action="store_false",
                        help="read each page whole with one prompt (the model-only path)")
    p.add_argument("--layout-model", metavar="ID|DIR",
                   default=paths.layout_model(DEFAULT_LAYOUT_MODEL_ID),
                   help=f"layout model: hub id (from the local cache) or folder (default: {DEFAULT_LAYOUT_MODEL_ID})")
    p.add_argument("--keep-abandoned", action="store_true",
                   help="with layout, also read page headers, footers, page numbers, footnotes and side notes")
    p.add_argument("-o", "--output", metavar="OUT", help="write to this file instead of standard output")
    p.add_argument("--no-fast", action="store_true", help="use stock transformers generate only")
    p.add_argument("-q", "--quiet", action="store_true", help="no progress on standard error")
    p.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    return p


def _load_template(path: str):
    from glmocr_desktop.core.extraction import READY_TEMPLATES, validate_template

    if path in READY_TEMPLATES:
        return validate_template(READY_TEMPLATES[path])
    try:
        text = Path(path).read_text(encoding="utf-8")
    except OSError as exc:
        raise InputError(f"Cannot read the template {path}: {exc.strerror or exc}.") from None
    return validate_template(text)


def main(argv: list[str] | None = None) -> int:
    from glmocr_desktop.workarounds import ensure_std_streams

    ensure_std_streams()  # started from a Windows gui-script: no console streams
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv and argv[0] == "serve":
        from glmocr_desktop.server.run import main as serve

        return serve(argv[1:])
    if argv and argv[0] == "ocr":
        argv = argv[1:]
    args = build_parser().parse_args(argv)
    err = sys.stderr
    usage = _check_engine_args(args)
    if usage:
        print(f"glmocr-desktop ocr: error: {usage}", file=err)
        return EXIT_USAGE

    def progress(msg: str) -> None:
        if not args.quiet:
            print(msg, file=err, flush=True)

    try:
        task = Task.parse(args.task)
    except ValueError as exc:
        print(f"glmocr-desktop ocr: error: {exc}", file=err)
        return EXIT_USAGE
    if args.max_new_tokens is not None and args.max_new_tokens < 1:
        print("glmocr-desktop ocr: error: --max-new-tokens must be at least 1", file=err)
        return EXIT_USAGE
    try:
        region = Region.parse(args.region) if args.region else None
        template = None
        if task is Task.EXTRACT:
            if not args.template:
                raise InputError("--task extract needs --template F (a JSON object whose leaf values are \"\").")
            template = _load_template(args.template)
        elif args.template:
            raise InputError("--template is only used with --task extract.")
    except InputError as exc:
        print(f"error: {exc}", file=err)
        return EXIT_INPUT
    try:
        use_layout = _use_layout(args, task, region, progress)
    except ValueError as exc:
        print(f"glmocr-desktop ocr: error: {exc}", file=err)
        return EXIT_USAGE
    except ModelError as exc:
        print(f"error: {exc}", file=err)
        return EXIT_MODEL
    if use_layout or args.format in ("docx", "pdf"):
        try:
            return _run_document(args, task, region, use_layout, progress)
        except KeyboardInterrupt:
            print("\ninterrupted", file=err)
            return EXIT_INTERRUPTED

    out: TextIO
    out_file = None
    if args.output:
        try:
            out_file = open(args.output, "w", encoding="utf-8")  # noqa: SIM115
        except OSError as exc:
            print(f"error: cannot write {args.output}: {exc.strerror or exc}", file=err)
            return EXIT_INPUT
        out = out_file
    else:
        out = sys.stdout
    try:
        return _run(args, task, template, region, out, progress)
    except KeyboardInterrupt:
        print("\ninterrupted", file=err)
        return EXIT_INTERRUPTED
    finally:
        if out_file is not None:
            out_file.close()


def _check_engine_args(args) -> str:
    """Fill in the model default of the engine chosen; a usage error's text, or ""."""
    if args.engine == "local":
        if args.base_url or args.api_key_env:
            return "--base-url and --api-key-env need --engine openai or --engine ollama."
        args.model = args.model or paths.default_model()
        return ""
    if not args.base_url:
        return f"--engine {args.engine} needs --base-url URL (the server's address)."
    if args.concurrency < 1:
        return "--concurrency must be at least 1."
    if args.api_key_env and not os.environ.get(args.api_key_env, "").strip():
        return f"the environment variable {args.api_key_env} holds no API key."
    args.model = args.model or "glm-ocr"
    return ""


def _use_layout(args, task: Task, region: Region | None, progress) -> bool:
    """Whether pages go through the layout model; ValueError for a usage error, ModelError when
    ``--layout`` was asked for and the layout model is missing."""
    from glmocr_desktop.engines.layout import (
        how_to_get_layout_model,
        layout_model_available,
        resolve_layout_model,
    )

    if args.format in ("docx", "pdf") and not args.output:
        raise ValueError(f"--format {args.format} writes a file: add -o OUT.")
    if args.format in ("docx", "pdf") and task is Task.EXTRACT:
        raise ValueError("--task extract gives JSON fields; use --format json.")
    whole_text_pages = region is None and task is Task.TEXT
    if args.layout is False:
        return False
    if args.layout:
        if not whole_text_pages:
            raise ValueError("--layout reads whole pages, each block with its own prompt; "
                             "it does not combine with --region or --task " + task.value + ".")
        resolve_layout_model(args.layout_model)  # a clear error, before the OCR model loads
        return True
    if not whole_text_pages:
        return False
    if layout_model_available(args.layout_model):
        return True
    progress(f"note: the layout model {args.layout_model} is not on this computer; pages are read whole "
             "with one prompt. " + how_to_get_layout_model(args.layout_model).splitlines()[0].strip())
    return False


def _run_document(args, task: Task, region: Region | None, use_layout: bool, progress) -> int:
    """Pages through the document pipeline (layout, or the regions given), assembled and exported."""
    from glmocr_desktop.core.assembly import assemble
    from glmocr_desktop.core.pipeline import GPU_PAGES_IN_FLIGHT, NO_LAYOUT_MODEL, DocumentPipeline
    from glmocr_desktop.core.regions import WHOLE_PAGE

    docs, status = _open_documents(args, progress)
    if not docs:
        return status
    outputs = _output_paths(args, [name for name, _, _ in docs])
    engine = detector = None
    try:
        engine = _load_engine(args, progress)
        if use_layout:
            from glmocr_desktop.core.layout import LayoutOptions
            from glmocr_desktop.engines.layout import LayoutDetector

            # Beside the OCR model on its device (the layout model is small), else the CPU.
            # (always on this computer: with a remote engine the layout model runs here, on the CPU)
            device = engine.info.device if engine.info.device.startswith(("cuda", "mps")) else "cpu"
            detector = LayoutDetector(args.layout_model, device=device,
                                      options=LayoutOptions(keep_abandoned=args.keep_abandoned))
            detector.load()
            progress(f"Layout model ready on {detector.device}.")
        for (name, doc, pages), out_path in zip(docs, outputs):
            drawn = None if use_layout or (region is None and task is Task.TEXT) else {
                p: [TaskRegion(region or WHOLE_PAGE, task)] for p in pages}
            pipeline = DocumentPipeline(
                engine, detector, dpi=args.dpi, max_new_tokens=args.max_new_tokens,
                keep_page_images=args.format == "pdf",
                no_layout_reason="--no-layout" if args.layout is False else NO_LAYOUT_MODEL,
                # a server takes many requests at once: draw them from several pages
                pages_in_flight=GPU_PAGES_IN_FLIGHT if args.engine != "local" else None,
            )
            finished, page_status = _follow(pipeline.run(doc, pages, drawn), name, progress)
            status = max(status, page_status)
            document = assemble(list(finished.pages))
            _write_document(document, args.format, out_path, name, several=len(docs) > 1, progress=progress)
    except OcrError as exc:  # input 3, model 4, export 5
        print(f"error: {exc}", file=sys.stderr)
        return exc.exit_code
    except Exception as exc:  # a model fault: a message, never a traceback
        print(f"error: the model failed: {_fault(exc)}", file=sys.stderr)
        return EXIT_MODEL
    finally:
        for _, doc, _ in docs:
            doc.close()
        for model in (engine, detector):
            if model is not None:
                model.close()
    return status


def _follow(events, name: str, progress):
    """Print the pipeline's progress; returns (RunFinished, exit status of failed pages)."""
    from glmocr_desktop.core.pipeline import (
        LayoutFound,
        PageDone,
        PageFailed,
        PageStarted,
        RegionDone,
        RunFinished,
    )

    status = EXIT_OK
    regions = tokens = 0
    for event in events:
        if isinstance(event, PageStarted):
            progress(f"[{event.position}/{event.total}] {name} page {event.page + 1}")
        elif isinstance(event, LayoutFound):
            if event.fallback:
                progress(f"  read whole ({event.fallback})")
            elif not event.drawn:
                kinds = Counter(b.label for b in event.blocks)
                progress(f"  layout: {len(event.blocks)} regions ("
                         + ", ".join(f"{n} {kind}" for kind, n in sorted(kinds.items())) + ")")
        elif isinstance(event, RegionDone):
            progress(f"  {event.done}/{event.total} {event.block.native_label}: {event.tokens} tokens")
        elif isinstance(event, PageDone):
            regions += event.regions
            tokens += event.tokens
            for w in event.warnings:
                progress(f"warning: {name} page {event.page.index + 1}: {w}")
        elif isinstance(event, PageFailed):
            print(f"error: {name} page {event.page + 1}: {event.error}", file=sys.stderr)
            status = max(status, event.error.exit_code)
        elif isinstance(event, RunFinished):
            progress(f"Done: {name}: {len(event.pages)} page(s), {regions} regions, {tokens} tokens")
            return event, status
    raise RuntimeError("the pipeline ended without finishing")  # pragma: no cover


def _output_paths(args, names: list[str]) -> list[Path | None]:
    """Where each document goes: standard output (None), OUT, or with several files OUT/<name>.<fmt>."""
    if not args.output:
        return [None] * len(names)
    out = Path(args.output)
    if len(names) == 1:
        return [out]
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise InputError(f"With several files, -o names a folder; cannot make {out}: {exc.strerror or exc}.") from None
    stems = Counter(Path(n).stem for n in names)
    return [out / f"{Path(n).stem if stems[Path(n).stem] == 1 else Path(n).name}.{args.format}" for n in names]


def _write_document(document, fmt: str, path: Path | None, name: str, *, several: bool, progress) -> None:
    from glmocr_desktop.core.document_export import write_document

    if path is not None:
        write_document(document, path, fmt)
        progress(f"Wrote {path}")
        return
    if fmt == "json":
        data = document.to_json()
        json.dump({"file": name, "pages": data} if several else data, sys.stdout, ensure_ascii=False, indent=2)
        sys.stdout.write("\n")
        return
    markdown, images = document.to_markdown()
    if several:
        sys.stdout.write(f"<!-- {name} -->\n\n")
    sys.stdout.write(markdown + "\n")
    sys.stdout.flush()
    if images:
        progress(f"note: {len(images)} picture(s) of {name} are saved only with -o FILE.")


def _open_documents(args, progress) -> tuple[list, int]:
    """Open every file first, so input errors show before the model loads: ([(name, doc, pages)], status)."""
    from glmocr_desktop.core import render_pool
    from glmocr_desktop.core.documents import open_document, parse_page_range

    render_pool.shared().prestart()  # the render workers start while the model loads
    docs = []
    status = EXIT_OK
    for name in args.files:
        try:
            doc = open_document(name, password=args.password)
            pages = parse_page_range(args.pages, doc.page_count) if args.pages else list(range(doc.page_count))
            for w in doc.warnings:
                progress(f"warning: {name}: {w}")
            docs.append((name, doc, pages))
        except InputError as exc:
            print(f"error: {name}: {exc}", file=sys.stderr)
            status = EXIT_INPUT
    return docs, status


def _fault(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
    return f"{type(exc).__name__}: {text[:300]}" if text else type(exc).__name__


def _load_engine(args, progress):
    """The loaded OCR engine (raises ModelError)."""
    if args.engine != "local":
        return _load_remote_engine(args, progress)
    from glmocr_desktop.engines.local import LocalEngine

    engine = LocalEngine(args.model, device=args.device, dtype=args.dtype, fast=not args.no_fast)
    try:
        progress(f"Loading {args.model} ...")
        engine.load(lambda frac, msg: None)
        if not args.no_fast and engine.info.device.startswith("cuda"):
            # CUDA graphs take a few seconds and pay off from the first page; compiling would not.
            engine.warm_up_fast_path(compile=False)
    except ModelError:
        engine.close()
        raise
    except Exception as exc:  # a model fault is a message, never a traceback
        engine.close()
        raise ModelError(f"The model {args.model} could not be loaded: {_fault(exc)}") from exc
    info = engine.info
    progress(f"Model ready on {info.device} ({info.dtype}, fast path: {info.fast_path_text()}).")
    return engine


def _load_remote_engine(args, progress):
    from glmocr_desktop.engines.remote import RemoteEngine, is_plain_http_to_remote_host

    for url in args.base_url:
        if is_plain_http_to_remote_host(url):
            progress(f"warning: {url} is plain http to another computer: pages (and any API key) travel "
                     "unencrypted. Use https unless the network is yours.")
    api_key = os.environ.get(args.api_key_env, "").strip() if args.api_key_env else None
    try:
        engine = RemoteEngine(args.base_url, args.model, args.engine, api_key=api_key,
                              concurrency=args.concurrency)
    except ValueError as exc:
        raise ModelError(str(exc)) from None
    progress(f"Connecting to {', '.join(args.base_url)} ...")
    try:
        engine.load()
    except ModelError:
        engine.close()
        raise
    progress(f"Server ready: {args.model} on {engine.info.device}, {args.concurrency} request(s) in flight.")
    return engine


def _run(args, task: Task, template, region: Region | None, out: TextIO, progress) -> int:
    docs, status = _open_documents(args, progress)
    if not docs:
        return status
    try:
        engine = _load_engine(args, progress)
    except ModelError as exc:
        for _, doc, _ in docs:
            doc.close()
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_MODEL

    total_pages = sum(len(p) for _, _, p in docs)
    results: list[Result] = []
    done = 0
    # Markdown to a terminal streams live; to a file it is written clean (post-processed) per page.
    stream_md = args.format == "md" and not args.output
    write_md = args.format == "md" and bool(args.output)
    try:
        for name, doc, pages in docs:
            for page in pages:
                done += 1
                if total_pages > 1:
                    progress(f"[{done}/{total_pages}] {name} page {page + 1}")
                (request,) = build_run_requests(
                    doc, page, [TaskRegion(region, task, template) if region else None], task=task,
                    template=template, dpi=args.dpi, max_new_tokens=args.max_new_tokens, name=str(name),
                    file=str(name))  # fmt: skip
                try:
                    job = request.make_job(engine.image_pixel_cap)
                except InputError as exc:
                    print(f"error: {name} page {page + 1}: {exc}", file=sys.stderr)
                    status = EXIT_INPUT
                    continue
                if stream_md and total_pages > 1:
                    out.write(f"\n<!-- {name} page {page + 1} -->\n\n" if done > 1 else
                              f"<!-- {name} page {page + 1} -->\n\n")
                page_warnings: list[str] = []
                for chunk in engine.stream(job):
                    if chunk.done and chunk.result is not None:
                        results.append(chunk.result)
                        page_warnings = list(chunk.result.warnings)
                        if write_md:
                            if total_pages > 1:
                                out.write(f"<!-- {name} page {page + 1} -->\n\n")
                            out.write(chunk.result.text + "\n\n")
                    elif stream_md and chunk.text:
                        out.write(chunk.text)
                        out.flush()
                if stream_md:
                    out.write("\n")
                    out.flush()
                for w in page_warnings:
                    progress(f"warning: {name} page {page + 1}: {w}")
    except ModelError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_MODEL
    except OcrError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return exc.exit_code
    except Exception as exc:  # a model fault (a vocabulary that does not fit, ...): a message, never a traceback
        print(f"error: the model failed: {_fault(exc)}", file=sys.stderr)
        return EXIT_MODEL
    finally:
        for _, doc, _ in docs:
            doc.close()
        engine.close()

    if args.format == "json":
        payload = [r.to_json() for r in results]
        json.dump(payload[0] if len(payload) == 1 else payload, out, ensure_ascii=False, indent=2)
        out.write("\n")
    if results and total_pages > 1:
        tps = [r.timings.tokens_per_s for r in results if r.timings.tokens_per_s]
        progress(f"Done: {len(results)} page(s)" + (f", {sum(tps) / len(tps):.1f} tokens/s" if tps else ""))
    return status


if __name__ == "__main__":
    raise SystemExit(main())
