-- metric_net_commission: the customers' net commission over the period, for the developers.
-- grain: staff_id, customer_id (customers with commission in the period)
-- columns: staff_id, customer_id, role, weight (the share), amount (yuan), credited
--   (amount x share)
SELECT
    staff_id,
    customer_id,
    role,
    share AS weight,
    net_commission AS amount,
    net_commission * share AS credited
FROM kpi_book
WHERE role = 'developer' AND net_commission <> 0
