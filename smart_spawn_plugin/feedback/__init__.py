"""Feedback: personal, context and community scores, their blend, spawn stats and telemetry."""
