"""Inference engines. torch and transformers are imported lazily inside, never at package import."""
