"""Benchmarks of the product at partnership and national scale (not run by the default tests)."""
