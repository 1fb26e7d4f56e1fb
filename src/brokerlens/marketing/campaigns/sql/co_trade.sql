-- co_trade: trade campaigns' conversions: a member's first trade in the window that is not an
--   IPO subscription (an allotment, a buy, a sell ... all count).
-- grain: one row per converted member of a trade campaign
-- columns: campaign_id, customer_id, converted_on
-- reads: co_members (window_start, window_until), co_trades
SELECT m.campaign_id, m.customer_id, min(t.biz_date) AS converted_on
FROM co_members m
JOIN co_trades t
    ON t.customer_id = m.customer_id
    AND t.biz_date >= m.window_start AND t.biz_date <= m.window_until
WHERE m.goal = 'trade' AND t.trade_type <> 'ipo_subscribe'
GROUP BY m.campaign_id, m.customer_id
