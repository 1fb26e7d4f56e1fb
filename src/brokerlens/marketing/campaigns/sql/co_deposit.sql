-- co_deposit: deposit campaigns' conversions: the first day on which a member's net bank
--   transfers since the window's start (in minus out) reach the campaign's threshold (cents).
-- grain: one row per converted member of a deposit campaign
-- columns: campaign_id, customer_id, converted_on
-- reads: co_members (threshold_cents, window_start, window_until), co_fund_transfers
WITH daily AS (
    SELECT m.campaign_id, m.customer_id, f.biz_date, m.threshold_cents,
        sum(CASE WHEN f.direction = 'in' THEN f.amount ELSE -f.amount END) AS net
    FROM co_members m
    JOIN co_fund_transfers f
        ON f.customer_id = m.customer_id
        AND f.biz_date >= m.window_start AND f.biz_date <= m.window_until
    WHERE m.goal = 'deposit'
    GROUP BY m.campaign_id, m.customer_id, f.biz_date, m.threshold_cents
),
running AS (
    SELECT campaign_id, customer_id, biz_date, threshold_cents,
        sum(net) OVER (
            PARTITION BY campaign_id, customer_id ORDER BY biz_date
            ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW
        ) AS net_so_far
    FROM daily
)
SELECT campaign_id, customer_id, min(biz_date) AS converted_on
FROM running
WHERE net_so_far > 0 AND net_so_far * 100 >= threshold_cents
GROUP BY campaign_id, customer_id
