-- wl_activation_items: the best-scored activation candidates of :as_of (rank <= :top_rank)
-- grain: one row per candidate customer (kind activation; label: dormant or empty)
-- columns (every candidate file): customer_id, staff_id (null: the owner gets it), kind,
--   urgency (0..1), label, label_en (a name the reason quotes), amount, share, days (figures the
--   reason quotes), text_zh, text_en (ready words the reason quotes)
-- reads: wl_activation (the activation candidates of T)
SELECT customer_id, CAST(NULL AS VARCHAR) AS staff_id, 'activation' AS kind,
    CAST(:urgency AS DOUBLE) AS urgency,
    kind AS label, kind AS label_en,
    CASE WHEN kind = 'dormant' THEN peak_assets ELSE total_assets END AS amount,
    score / 100 AS share, CAST(NULL AS BIGINT) AS days,
    CAST(NULL AS VARCHAR) AS text_zh, CAST(NULL AS VARCHAR) AS text_en
FROM wl_activation
WHERE rank <= :top_rank
