-- metric_active_rate: whether each customer served traded in the period (1 or 0).
-- grain: staff_id, customer_id (every customer held as servicer or advisor, not closed by
--   :period_end)
-- columns: staff_id, customer_id, role, weight (the share), amount (1 traded, 0 not),
--   credited (amount x share); the rate is sum(credited) / sum(weight)
SELECT
    h.staff_id,
    h.customer_id,
    h.role,
    h.share AS weight,
    CASE WHEN coalesce(p.trade_count, 0) > 0 THEN 1 ELSE 0 END AS amount,
    CASE WHEN coalesce(p.trade_count, 0) > 0 THEN h.share ELSE 0 END AS credited
FROM kpi_holders AS h
JOIN customers AS c ON c.customer_id = h.customer_id
LEFT JOIN kpi_period AS p ON p.customer_id = h.customer_id
WHERE h.role IN ('servicer', 'advisor') AND (c.close_date IS NULL OR c.close_date > :period_end)
