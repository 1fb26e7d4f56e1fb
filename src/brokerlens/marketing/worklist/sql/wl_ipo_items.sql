-- wl_ipo_items: IPO allotments (trades of type ipo_allot) on :as_of
-- grain: one row per customer (kind ipo_allotment; label: the securities; amount: their sum)
-- columns (every candidate file): customer_id, staff_id (null: the owner gets it), kind,
--   urgency (0..1), label, label_en (a name the reason quotes), amount, share, days (figures the
--   reason quotes), text_zh, text_en (ready words the reason quotes)
-- reads: wl_trades (the trades of T)
SELECT customer_id, CAST(NULL AS VARCHAR) AS staff_id, 'ipo_allotment' AS kind,
    CAST(:urgency AS DOUBLE) AS urgency,
    min(security_id) AS label, min(security_id) AS label_en,
    CAST(sum(amount) AS DOUBLE) AS amount, CAST(NULL AS DOUBLE) AS share,
    count(DISTINCT security_id) AS days,
    CAST(NULL AS VARCHAR) AS text_zh, CAST(NULL AS VARCHAR) AS text_en
FROM wl_trades
WHERE biz_date = :as_of AND trade_type = 'ipo_allot'
GROUP BY customer_id
