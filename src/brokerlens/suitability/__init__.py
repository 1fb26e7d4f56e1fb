"""Investor suitability (适当性): questionnaires, investor class, matching, the workflow.

Data flows lake -> `lake` (facts per customer) -> `questionnaire`/`rescore` (regulatory class),
`investor_class`, `matching` and `eligibility` (pure rules over facts) -> `workflow` (checks
recorded in the operational store) and `report`. The web and the CLI (`brokerlens suitability`)
reach one customer's facts and the workflow through `brokerlens.access.suitability` (scope,
audit); the lake-wide CLI reports call these functions directly.
"""
