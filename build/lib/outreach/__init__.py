"""outreach: sincere, individual collaboration proposals to creators, sent once and remembered."""

__version__ = "0.1.0"
