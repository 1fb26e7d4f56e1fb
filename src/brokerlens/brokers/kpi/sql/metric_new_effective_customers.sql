-- metric_new_effective_customers: new customers of the period funded with at least
--   :effective_yuan by bank transfer within it, for their developers.
-- grain: staff_id, customer_id
-- columns: staff_id, customer_id, role, weight (the share), amount (1), credited (the share)
SELECT staff_id, customer_id, role, share AS weight, 1 AS amount, share AS credited
FROM kpi_book
WHERE role = 'developer' AND is_new AND transfer_in >= :effective_yuan
