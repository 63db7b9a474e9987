"""Benchmark sources → aliases → enrichment → normalise → scoring: the scored catalog."""
