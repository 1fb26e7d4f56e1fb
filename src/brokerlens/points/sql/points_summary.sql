-- points_summary: a day's awards per branch, rule and expiry, for the points report (issued,
--   and what lapses when).
-- grain: one row per branch_id, rule_id, rule_version and expires_on with an award that day
-- columns: entry_date, branch_id, rule_id, rule_version, expires_on, customers, awards, points
-- Reads `points_awards_t` (the day's awards file).
SELECT
    entry_date,
    branch_id,
    rule_id,
    rule_version,
    expires_on,
    CAST(count(DISTINCT customer_id) AS BIGINT) AS customers,
    CAST(count(*) AS BIGINT) AS awards,
    CAST(sum(points) AS BIGINT) AS points
FROM points_awards_t
GROUP BY entry_date, branch_id, rule_id, rule_version, expires_on
ORDER BY branch_id, rule_id, rule_version, expires_on
