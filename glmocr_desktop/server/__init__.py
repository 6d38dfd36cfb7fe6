"""``glmocr-desktop serve``: the local engine behind an OpenAI-compatible HTTP API.

A layer beside ``gui``: it drives the engines and core and never imports the window.
"""
