-- kpi_scores: the month's scores as the step computed them in Python (scoring.py), written out.
-- grain: staff_id, metric (the metrics of the staff member's position's scheme)
-- columns: month, as_of_date, staff_id, position, unit_id, branch_id, region_id,
--   scheme_version, metric, value, target, score, weight, total, rank_in_unit,
--   rank_in_branch, rank_in_region, unit_size, branch_size, region_size (how many of the same
--   position are ranked in the staff member's team, branch and region)
SELECT *
FROM kpi_scored
ORDER BY staff_id, metric
