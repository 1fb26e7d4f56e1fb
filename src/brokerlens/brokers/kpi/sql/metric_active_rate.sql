-- metric_active_rate: whether each customer served traded in the period (1 or 0).
-- grain: staff_id, customer_id (every customer held as servicer or advisor, not closed by
--   :period_end)
-- columns: staff_id, customer_id, role, weight (the share), amount (1 traded, 0 not),
--   credited (amount x share); the rate is sum(credited) / sum(weight)
SELECT
    staff_id,
    customer_id,
    role,
    share AS weight,
    CASE WHEN trade_count > 0 THEN 1 ELSE 0 END AS amount,
    CASE WHEN trade_count > 0 THEN share ELSE 0 END AS credited
FROM kpi_book
WHERE role IN ('servicer', 'advisor') AND NOT closed
