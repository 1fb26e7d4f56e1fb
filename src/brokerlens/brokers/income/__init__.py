"""Income and commission statements (issue 19 section 3): each customer's income per day in
integer cents (net commission and product sales fees) and the month's statement lines
(佣金分成) that split it among the staff holding the customer in each role, by the ledger's
shares, to the cent."""
