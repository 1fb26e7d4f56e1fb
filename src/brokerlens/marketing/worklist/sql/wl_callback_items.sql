-- wl_callback_items: suitability call-backs scheduled and due by :as_of, not done yet
-- grain: one row per customer (kind callback_due; days: the oldest due call-back's days overdue)
-- columns (every candidate file): customer_id, staff_id (null: the owner gets it), kind,
--   urgency (0..1), label, label_en (a name the reason quotes), amount, share, days (figures the
--   reason quotes), text_zh, text_en (ready words the reason quotes)
-- reads: wl_callbacks (customer_id, due_date, target_name: from the store's suitability events)
SELECT customer_id, CAST(NULL AS VARCHAR) AS staff_id, 'callback_due' AS kind,
    CAST(:urgency AS DOUBLE) AS urgency,
    min(target_name) AS label, min(target_name) AS label_en,
    CAST(NULL AS DOUBLE) AS amount, CAST(NULL AS DOUBLE) AS share,
    CAST(max(date_diff('day', due_date, :as_of)) AS BIGINT) AS days,
    CAST(NULL AS VARCHAR) AS text_zh, CAST(NULL AS VARCHAR) AS text_en
FROM wl_callbacks
WHERE due_date <= :as_of
GROUP BY customer_id
