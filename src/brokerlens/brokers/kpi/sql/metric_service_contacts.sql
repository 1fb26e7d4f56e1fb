-- metric_service_contacts: service, care and marketing contacts a staff member made.
-- grain: staff_id, customer_id (the contacts feed's staff and customer in the period)
-- columns: staff_id, customer_id, role ('contact'), weight (1), amount (contacts), credited
--   (contacts)
SELECT
    staff_id,
    customer_id,
    'contact' AS role,
    1 AS weight,
    count(*) AS amount,
    count(*) AS credited
FROM kpi_contacts
WHERE biz_date >= :period_start AND biz_date <= :period_end
    AND purpose IN ('service', 'care', 'marketing')
GROUP BY staff_id, customer_id
