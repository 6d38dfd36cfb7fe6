"""Qt widgets. Never imports torch or transformers."""
