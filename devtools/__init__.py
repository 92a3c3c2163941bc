"""Developer tooling shared by the demo, the end-to-end tests and the benchmarks (not shipped)."""
