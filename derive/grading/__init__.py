"""Grading: students' answers, the diagnosis, feedback documents."""
