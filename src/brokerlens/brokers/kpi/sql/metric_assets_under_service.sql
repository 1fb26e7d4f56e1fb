-- metric_assets_under_service: the total assets at the period's end of the customers served.
-- grain: staff_id, customer_id (customers with assets on :period_end, held as servicer or
--   advisor)
-- columns: staff_id, customer_id, role, weight (the share), amount (yuan), credited
--   (amount x share)
SELECT
    staff_id,
    customer_id,
    role,
    share AS weight,
    end_assets AS amount,
    end_assets * share AS credited
FROM kpi_book
WHERE role IN ('servicer', 'advisor') AND end_assets <> 0
