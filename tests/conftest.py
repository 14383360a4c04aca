"""Shared test configuration: one fixed Hypothesis profile, so every run draws the same examples."""

from hypothesis import HealthCheck, settings

# derandomize: examples come from a fixed seed derived from each test, so CI and a student's
# laptop run the same cases; no example database is written; no deadline, because a loaded
# 2-core machine must not turn a slow example into a failure.
settings.register_profile(
    "hmlib",
    derandomize=True,
    database=None,
    deadline=None,
    max_examples=100,
    suppress_health_check=[HealthCheck.too_slow],
)
settings.load_profile("hmlib")
