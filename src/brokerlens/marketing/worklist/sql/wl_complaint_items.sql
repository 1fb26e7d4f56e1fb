-- wl_complaint_items: the store's complaints opened by :as_of and not closed (the feed's merged
--   at publish and the ones taken in the workbench)
-- grain: one row per customer (kind complaint; the oldest complaint: category, days open)
-- columns (every candidate file): customer_id, staff_id (null: the owner gets it), kind,
--   urgency (0..1), label, label_en (a name the reason quotes), amount, share, days (figures the
--   reason quotes), text_zh, text_en (ready words the reason quotes)
-- reads: wl_complaints (complaint_id, customer_id, category, opened: from the store)
WITH open_ones AS (
    SELECT customer_id, category, opened,
        row_number() OVER (PARTITION BY customer_id ORDER BY opened, complaint_id) AS pick
    FROM wl_complaints
    WHERE opened <= :as_of
)
SELECT customer_id, CAST(NULL AS VARCHAR) AS staff_id, 'complaint' AS kind,
    CAST(:urgency AS DOUBLE) AS urgency,
    category AS label, category AS label_en,
    CAST(NULL AS DOUBLE) AS amount, CAST(NULL AS DOUBLE) AS share,
    CAST(date_diff('day', opened, :as_of) AS BIGINT) AS days,
    CAST(NULL AS VARCHAR) AS text_zh, CAST(NULL AS VARCHAR) AS text_en
FROM open_ones
WHERE pick = 1
