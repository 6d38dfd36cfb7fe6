"""`python -m glmocr_desktop [FILES]` starts the app; `python -m glmocr_desktop ocr ...` the CLI."""

import sys

if len(sys.argv) > 1 and sys.argv[1] == "ocr":
    from glmocr_desktop.cli import main as cli_main

    raise SystemExit(cli_main(sys.argv[2:]))

from glmocr_desktop.app import main

raise SystemExit(main())
