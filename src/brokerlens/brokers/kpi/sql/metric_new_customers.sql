-- metric_new_customers: customers who opened an account in the period, for their developers.
-- grain: staff_id, customer_id
-- columns: staff_id, customer_id, role, weight (the share), amount (1), credited (the share)
SELECT staff_id, customer_id, role, share AS weight, 1 AS amount, share AS credited
FROM kpi_book
WHERE role = 'developer' AND is_new
