"""Call-backs (回访): the rules that make call-back tasks (every new account within a month; the
year's stratified sample of at least 10% of the prior year-end's customers, dormant accounts
excepted), their scripts, and the quota's arithmetic."""
