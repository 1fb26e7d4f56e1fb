-- metric_new_effective_customers: new customers of the period funded with at least
--   :effective_yuan by bank transfer within it, for their developers.
-- grain: staff_id, customer_id
-- columns: staff_id, customer_id, role, weight (the share), amount (1), credited (the share)
SELECT
    h.staff_id,
    h.customer_id,
    h.role,
    h.share AS weight,
    1 AS amount,
    h.share AS credited
FROM kpi_holders AS h
JOIN customers AS c ON c.customer_id = h.customer_id
JOIN kpi_period AS p ON p.customer_id = h.customer_id
WHERE h.role = 'developer' AND c.open_date >= :month_start AND c.open_date <= :period_end
    AND p.transfer_in >= :effective_yuan
