"""Pure decision rules: confirmation, escalation, understanding thresholds. No I/O, exhaustively tested."""
