-- metric_new_customers: customers who opened an account in the period, for their developers.
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
WHERE h.role = 'developer' AND c.open_date >= :month_start AND c.open_date <= :period_end
