"""Benchmarks (`make bench`): figures and ratios measured side by side, no assertions."""
