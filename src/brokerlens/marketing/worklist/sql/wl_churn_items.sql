-- wl_churn_items: customers whose churn probability of :as_of is at least :min_probability or
-- whose churn rank is within the top :top_rank
-- grain: one row per flagged customer (kind churn)
-- columns (every candidate file): customer_id, staff_id (null: the owner gets it), kind,
--   urgency (0..1), label, label_en (a name the reason quotes), amount, share, days (figures the
--   reason quotes), text_zh, text_en (ready words the reason quotes)
-- reads: wl_churn_scores (the churn scores of T)
SELECT customer_id, CAST(NULL AS VARCHAR) AS staff_id, 'churn' AS kind,
    CAST(:urgency AS DOUBLE) AS urgency,
    CAST(NULL AS VARCHAR) AS label, CAST(NULL AS VARCHAR) AS label_en,
    CAST(NULL AS DOUBLE) AS amount, probability AS share, CAST(NULL AS BIGINT) AS days,
    reasons_zh AS text_zh, reasons_en AS text_en
FROM wl_churn_scores
WHERE probability >= :min_probability OR rank <= :top_rank
