-- metric_net_asset_inflow: bank transfers in minus out over the period, for the developers.
-- grain: staff_id, customer_id (customers with a transfer in the period)
-- columns: staff_id, customer_id, role, weight (the share), amount (yuan), credited
--   (amount x share)
SELECT
    h.staff_id,
    h.customer_id,
    h.role,
    h.share AS weight,
    p.transfer_in - p.transfer_out AS amount,
    (p.transfer_in - p.transfer_out) * h.share AS credited
FROM kpi_holders AS h
JOIN kpi_period AS p ON p.customer_id = h.customer_id
WHERE h.role = 'developer' AND (p.transfer_in <> 0 OR p.transfer_out <> 0)
