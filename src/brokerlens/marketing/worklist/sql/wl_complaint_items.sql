-- wl_complaint_items: complaints open or in processing on :as_of (as delivered by T)
-- grain: one row per customer (kind complaint; the oldest complaint: category, days open)
-- columns (every candidate file): customer_id, staff_id (null: the owner gets it), kind,
--   urgency (0..1), label, label_en (a name the reason quotes), amount, share, days (figures the
--   reason quotes), text_zh, text_en (ready words the reason quotes)
-- reads: complaints_history
WITH open_ones AS (
    SELECT customer_id, category, open_date,
        row_number() OVER (PARTITION BY customer_id ORDER BY open_date, complaint_id) AS pick
    FROM complaints_history
    WHERE valid_from <= :as_of AND (valid_to IS NULL OR valid_to > :as_of)
        AND status IN ('open', 'processing') AND open_date <= :as_of
)
SELECT customer_id, CAST(NULL AS VARCHAR) AS staff_id, 'complaint' AS kind,
    CAST(:urgency AS DOUBLE) AS urgency,
    category AS label, category AS label_en,
    CAST(NULL AS DOUBLE) AS amount, CAST(NULL AS DOUBLE) AS share,
    CAST(date_diff('day', open_date, :as_of) AS BIGINT) AS days,
    CAST(NULL AS VARCHAR) AS text_zh, CAST(NULL AS VARCHAR) AS text_en
FROM open_ones
WHERE pick = 1
