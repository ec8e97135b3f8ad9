"""The problem: network descriptions, parameters, the course config."""
