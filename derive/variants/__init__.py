"""Variant sets: generation, richness constraints, exports, the stress test."""
