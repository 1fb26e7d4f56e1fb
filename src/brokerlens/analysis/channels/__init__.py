"""Channels and growth (3A3R) and timing (issue 22 section 3): the account funnel per open
channel (opened -> funded -> first trade -> active in month 3 -> still active in month 12), the
assets each channel brought in, cohort retention by opening month, and business by weekday,
month and against the market index. The run step "channels and timing" keeps small files per T
(per branch, so the service layer cuts them to a viewer's units)."""
