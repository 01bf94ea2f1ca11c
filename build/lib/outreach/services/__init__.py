"""Use cases: import creators, compose and send messages, manage suppressions and history."""
