-- metric_net_commission: the customers' net commission over the period, for the developers.
-- grain: staff_id, customer_id (customers with commission in the period)
-- columns: staff_id, customer_id, role, weight (the share), amount (yuan), credited
--   (amount x share)
SELECT
    h.staff_id,
    h.customer_id,
    h.role,
    h.share AS weight,
    p.net_commission AS amount,
    p.net_commission * h.share AS credited
FROM kpi_holders AS h
JOIN kpi_period AS p ON p.customer_id = h.customer_id
WHERE h.role = 'developer' AND p.net_commission <> 0
