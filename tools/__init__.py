"""Instructor tooling: template generation, docs, benchmarks."""
