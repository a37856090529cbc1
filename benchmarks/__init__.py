"""Speed benchmarks (pytest-benchmark), run by ``make bench-reference``; never by ``make test``."""
