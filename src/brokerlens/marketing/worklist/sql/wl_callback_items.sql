-- wl_callback_items: call-back tasks (回访) the broker can help with as of :as_of: overdue, or
--   tried and not reached (the call itself is made by compliance / the call centre)
-- grain: one row per customer (kind callback_due; label not_reached when any task was tried and
--   not reached, else overdue; amount: the most attempts; days: the oldest task's days overdue)
-- columns (every candidate file): customer_id, staff_id (null: the owner gets it), kind,
--   urgency (0..1), label, label_en (a name the reason quotes), amount, share, days (figures the
--   reason quotes), text_zh, text_en (ready words the reason quotes)
-- reads: wl_callbacks (customer_id, kind, due_date, attempts: the store's pending call-backs)
SELECT customer_id, CAST(NULL AS VARCHAR) AS staff_id, 'callback_due' AS kind,
    CAST(:urgency AS DOUBLE) AS urgency,
    CASE WHEN max(attempts) > 0 THEN 'not_reached' ELSE 'overdue' END AS label,
    CASE WHEN max(attempts) > 0 THEN 'not_reached' ELSE 'overdue' END AS label_en,
    CAST(max(attempts) AS DOUBLE) AS amount, CAST(NULL AS DOUBLE) AS share,
    CAST(greatest(max(date_diff('day', due_date, :as_of)), 0) AS BIGINT) AS days,
    CAST(NULL AS VARCHAR) AS text_zh, CAST(NULL AS VARCHAR) AS text_en
FROM wl_callbacks
WHERE due_date < :as_of OR attempts >= 1
GROUP BY customer_id
