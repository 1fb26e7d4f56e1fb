-- channel_retention: of each opening month's cohort, the customers active (a trade) in each
--   calendar month after opening that ended on or before :as_of (month_no 0 = the opening month).
-- grain: one row per branch_id, open_channel, open_month, month_no with an active customer
-- columns: branch_id, open_channel, open_month, month_no, active
-- The cohort sizes are channel_funnel's `opened`; a month with no active customer has no row.
WITH months AS (
    SELECT
        c.branch_id,
        c.open_channel,
        c.open_month,
        c.open_mon,
        c.customer_id,
        CAST(year(a.month_start) * 12 + month(a.month_start) AS BIGINT) AS mon
    FROM channel_customers AS c
    JOIN channel_month_src AS a ON a.customer_id = c.customer_id
    WHERE a.trade_count > 0
    UNION
    SELECT
        c.branch_id,
        c.open_channel,
        c.open_month,
        c.open_mon,
        c.customer_id,
        CAST(year(d.biz_date) * 12 + month(d.biz_date) AS BIGINT) AS mon
    FROM channel_customers AS c
    JOIN channel_day_src AS d ON d.customer_id = c.customer_id
    JOIN channel_read_days AS r ON r.biz_date = d.biz_date
    WHERE d.trade_count > 0
)
SELECT
    branch_id,
    open_channel,
    open_month,
    mon - open_mon AS month_no,
    count(DISTINCT customer_id) AS active
FROM months
WHERE mon >= open_mon AND mon <= :done_mon
GROUP BY branch_id, open_channel, open_month, mon - open_mon
ORDER BY branch_id, open_channel, open_month, month_no
