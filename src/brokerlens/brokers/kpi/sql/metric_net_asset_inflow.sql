-- metric_net_asset_inflow: bank transfers in minus out over the period, for the developers.
-- grain: staff_id, customer_id (customers with a transfer in the period)
-- columns: staff_id, customer_id, role, weight (the share), amount (yuan), credited
--   (amount x share)
SELECT
    staff_id,
    customer_id,
    role,
    share AS weight,
    transfer_in - transfer_out AS amount,
    (transfer_in - transfer_out) * share AS credited
FROM kpi_book
WHERE role = 'developer' AND (transfer_in <> 0 OR transfer_out <> 0)
