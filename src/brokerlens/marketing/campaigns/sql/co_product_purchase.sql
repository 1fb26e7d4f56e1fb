-- co_product_purchase: product-purchase campaigns' conversions: a member's first subscription or
--   purchase of the campaign's product (any product when none is named) in the window.
-- grain: one row per converted member of a product_purchase campaign
-- columns: campaign_id, customer_id, converted_on
-- reads: co_members (campaign_id, customer_id, goal, product_id, window_start, window_until =
--   min(window_end, T)), co_product_trades (the window's days)
SELECT m.campaign_id, m.customer_id, min(t.biz_date) AS converted_on
FROM co_members m
JOIN co_product_trades t
    ON t.customer_id = m.customer_id
    AND t.biz_date >= m.window_start AND t.biz_date <= m.window_until
WHERE m.goal = 'product_purchase'
    AND t.action IN ('subscribe', 'purchase')
    AND (m.product_id IS NULL OR t.product_id = m.product_id)
GROUP BY m.campaign_id, m.customer_id
