-- metric_callback_completion: call-back contacts a staff member made, and how many reached the
--   customer or were done.
-- grain: staff_id, customer_id (the contacts feed's call-backs in the period)
-- columns: staff_id, customer_id, role ('contact'), weight (call-backs), amount (reached or
--   done), credited (reached or done); the rate is sum(credited) / sum(weight)
SELECT
    staff_id,
    customer_id,
    'contact' AS role,
    count(*) AS weight,
    count(CASE WHEN result IN ('reached', 'done') THEN 1 END) AS amount,
    count(CASE WHEN result IN ('reached', 'done') THEN 1 END) AS credited
FROM kpi_contacts
WHERE biz_date >= :period_start AND biz_date <= :period_end AND purpose = 'callback'
GROUP BY staff_id, customer_id
