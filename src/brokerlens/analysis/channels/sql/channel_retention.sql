-- channel_retention: of each opening month's cohort, the customers active (a trade) in each
--   calendar month after opening that ended on or before :as_of (month_no 0 = the opening month).
-- grain: one row per branch_id, open_channel, open_month, month_no with an active customer
-- columns: branch_id, open_channel, open_month, month_no, active
-- The cohort sizes are channel_funnel's `opened`; a month with no active customer has no row.
SELECT
    c.branch_id,
    c.open_channel,
    c.open_month,
    a.mon - c.open_mon AS month_no,
    count(*) AS active
FROM channel_customers AS c
JOIN channel_activity AS a ON a.customer_id = c.customer_id
WHERE a.trades > 0 AND a.mon >= c.open_mon AND a.mon <= :done_mon
GROUP BY c.branch_id, c.open_channel, c.open_month, a.mon - c.open_mon
ORDER BY c.branch_id, c.open_channel, c.open_month, month_no
