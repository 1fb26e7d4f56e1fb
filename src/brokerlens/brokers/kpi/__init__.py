"""KPI schemes (issue 19 section 4): per position, metrics with weights, targets and a scoring
rule, versioned like the classification catalog; the built-in metrics are SQL over the ledger
and the lake facts; the run step "kpi scores" scores every staff member per month and ranks them
within their team, branch and region."""
