"""The relationship ledger (issue 19 section 2): who serves which customer in which role, with
which share, from when to when; and the dates on which a role's shares do not add up to 100%."""
