"""Canonicalization patterns reached by xDSL's ``canonicalize`` pass."""
