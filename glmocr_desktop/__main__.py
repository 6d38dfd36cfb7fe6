"""`python -m glmocr_desktop [FILES]` starts the app; `python -m glmocr_desktop ocr ...` the CLI."""

import sys

# Guarded: render worker processes (core.render_pool) import the main module again and must not start
# the app.
if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "ocr":
        from glmocr_desktop.cli import main as cli_main

        raise SystemExit(cli_main(sys.argv[2:]))

    from glmocr_desktop.app import main

    raise SystemExit(main())
