"""Entry point of the PyInstaller bundles: ``glmocr-desktop [FILES]`` opens the window,
``glmocr-desktop ocr ...`` runs the command line, ``--self-check`` reports what works."""

import multiprocessing
import sys

if __name__ == "__main__":
    multiprocessing.freeze_support()  # torch and tokenizers may start worker processes
    from glmocr_desktop.app import main

    sys.exit(main())
