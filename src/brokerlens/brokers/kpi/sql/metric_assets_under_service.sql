-- metric_assets_under_service: the total assets at the period's end of the customers served.
-- grain: staff_id, customer_id (customers with assets on :period_end, held as servicer or
--   advisor)
-- columns: staff_id, customer_id, role, weight (the share), amount (yuan), credited
--   (amount x share)
SELECT
    h.staff_id,
    h.customer_id,
    h.role,
    h.share AS weight,
    p.end_assets AS amount,
    p.end_assets * h.share AS credited
FROM kpi_holders AS h
JOIN kpi_period AS p ON p.customer_id = h.customer_id
WHERE h.role IN ('servicer', 'advisor') AND p.end_assets <> 0
