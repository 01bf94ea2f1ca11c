"""Retry waits grow geometrically, one fewer than the attempts."""

import pytest

from outreach.core.retry import RetryPolicy


@pytest.mark.parametrize(
    ("attempts", "base", "factor", "delays"),
    [
        (3, 2.0, 3.0, [2.0, 6.0]),
        (4, 1.0, 2.0, [1.0, 2.0, 4.0]),
        (2, 0.5, 10.0, [0.5]),
        (1, 2.0, 3.0, []),
        (0, 2.0, 3.0, []),
        (-1, 2.0, 3.0, []),
    ],
)
def test_delays_are_base_times_factor_to_the_power_of_the_retry(
    attempts: int, base: float, factor: float, delays: list[float]
) -> None:
    assert RetryPolicy(attempts=attempts, base_seconds=base, factor=factor).delays() == delays
