"""Complaints (投诉与建议): categories with their SLAs, escalation of overdue ones, and the
complaints feed's newest state of each complaint as of T (merged into the store at publish)."""
