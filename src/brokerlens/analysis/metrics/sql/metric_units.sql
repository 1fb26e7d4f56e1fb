-- metric_units: each customer's servicer as of T in the relationship ledger (the largest share;
--   ties by staff id) and that staff member's team (their unit when it is a team).
-- grain: one row per customer with a servicer as of T
-- columns: customer_id, staff_id, team_id (NULL when the servicer's unit is not a team)
WITH held AS (
    SELECT
        customer_id,
        staff_id,
        row_number() OVER (
            PARTITION BY customer_id ORDER BY share_pct DESC, staff_id
        ) AS n
    FROM metric_ledger
    WHERE role = 'servicer' AND valid_from <= :as_of
        AND (valid_to IS NULL OR valid_to > :as_of)
)
SELECT
    h.customer_id,
    h.staff_id,
    CASE WHEN s.unit_type = 'team' THEN s.unit_id END AS team_id
FROM held AS h
LEFT JOIN metric_staff_units AS s ON s.staff_id = h.staff_id
WHERE h.n = 1
