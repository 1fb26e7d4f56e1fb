-- kpi_holders: who holds each customer in each role at the period's end, from the ledger.
-- grain: customer_id, role, staff_id (relationships in force on :period_end)
-- columns: customer_id, staff_id, role, share (the share as a fraction: share_pct x 0.01)
SELECT
    customer_id,
    staff_id,
    role,
    CAST(sum(share_pct * 0.01) AS DECIMAL(9, 4)) AS share
FROM ledger
WHERE valid_from <= :period_end AND (valid_to IS NULL OR valid_to > :period_end)
GROUP BY customer_id, staff_id, role
