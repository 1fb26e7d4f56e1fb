-- co_reactivation: reactivation campaigns' conversions: a member's first trade (not an IPO
--   subscription) or first product subscription or purchase in the window. The members were
--   chosen dormant (an activation segment); whichever comes first wakes the account.
-- grain: one row per converted member of a reactivation campaign
-- columns: campaign_id, customer_id, converted_on
-- reads: co_members (window_start, window_until), co_trades, co_product_trades
WITH acts AS (
    SELECT customer_id, biz_date FROM co_trades WHERE trade_type <> 'ipo_subscribe'
    UNION ALL
    SELECT customer_id, biz_date FROM co_product_trades WHERE action IN ('subscribe', 'purchase')
)
SELECT m.campaign_id, m.customer_id, min(a.biz_date) AS converted_on
FROM co_members m
JOIN acts a
    ON a.customer_id = m.customer_id
    AND a.biz_date >= m.window_start AND a.biz_date <= m.window_until
WHERE m.goal = 'reactivation'
GROUP BY m.campaign_id, m.customer_id
