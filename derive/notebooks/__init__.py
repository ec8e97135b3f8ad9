"""Jupyter notebooks of an assignment's instances: a student notebook to work
in and an instructor notebook with the solution code, per variant
(:mod:`derive.notebooks.format` is the contract with the grader)."""
