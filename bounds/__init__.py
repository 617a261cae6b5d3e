"""bounds: part of mdplab (this repository), not the unrelated PyPI package of the same name."""
