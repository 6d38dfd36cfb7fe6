"""GLM-OCR Desktop: scans, photos and PDFs to Markdown, LaTeX, tables and JSON with GLM-OCR."""

__version__ = "0.1.0"
APP_NAME = "GLM-OCR Desktop"
APP_ID = "glmocr-desktop"
DEFAULT_MODEL_ID = "zai-org/GLM-OCR"
