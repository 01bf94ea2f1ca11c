"""How long to wait between delivery attempts."""

from dataclasses import dataclass


@dataclass(frozen=True)
class RetryPolicy:
    """A few attempts with growing waits: base, base*factor, base*factor^2..."""

    attempts: int
    base_seconds: float
    factor: float

    def delays(self) -> list[float]:
        """Seconds to wait before each retry (one fewer than the attempts)."""
        return [self.base_seconds * self.factor**n for n in range(max(self.attempts - 1, 0))]
