-- wl_maturity_items: term products held on :as_of maturing within :days_ahead days; the
-- maturity is approximated as the first day the holding is seen + term_days
-- grain: one row per customer (kind maturity; the soonest maturity: its product, days, value)
-- columns (every candidate file): customer_id, staff_id (null: the owner gets it), kind,
--   urgency (0..1), label, label_en (a name the reason quotes), amount, share, days (figures the
--   reason quotes), text_zh, text_en (ready words the reason quotes)
-- reads: wl_holdings (product_holdings of T and of the days a maturity in the window can start
--   on, per term), wl_term_windows (term_days, window_first: the first day read for the term; a
--   holding seen that day started earlier and is not dated), products_history
WITH terms AS (
    SELECT p.product_id, p.name, p.term_days, w.window_first
    FROM products_history p
    JOIN wl_term_windows w ON w.term_days = p.term_days
    WHERE p.valid_from <= :as_of AND (p.valid_to IS NULL OR p.valid_to > :as_of)
),
held AS (
    SELECT h.customer_id, h.product_id,
        min(h.biz_date) AS first_day,
        sum(CASE WHEN h.biz_date = :as_of THEN CAST(h.market_value AS DOUBLE) ELSE 0 END)
            AS value_today,
        max(CASE WHEN h.biz_date = :as_of AND h.units > 0 THEN 1 ELSE 0 END) AS held_today
    FROM wl_holdings h
    JOIN terms p ON p.product_id = h.product_id
    WHERE h.biz_date >= p.window_first AND h.biz_date <= :as_of
    GROUP BY h.customer_id, h.product_id
),
maturing AS (
    SELECT h.customer_id, p.name, h.value_today,
        date_diff('day', :as_of, date_add(h.first_day, CAST(p.term_days AS INTEGER))) AS days,
        row_number() OVER (
            PARTITION BY h.customer_id
            ORDER BY date_add(h.first_day, CAST(p.term_days AS INTEGER)), h.product_id
        ) AS pick
    FROM held h
    JOIN terms p ON p.product_id = h.product_id
    WHERE h.held_today = 1 AND h.first_day > p.window_first
)
SELECT customer_id, CAST(NULL AS VARCHAR) AS staff_id, 'maturity' AS kind,
    CAST(:urgency AS DOUBLE) AS urgency,
    name AS label, name AS label_en,
    value_today AS amount, CAST(NULL AS DOUBLE) AS share, CAST(days AS BIGINT) AS days,
    CAST(NULL AS VARCHAR) AS text_zh, CAST(NULL AS VARCHAR) AS text_en
FROM maturing
WHERE pick = 1 AND days >= 0 AND days <= :days_ahead
