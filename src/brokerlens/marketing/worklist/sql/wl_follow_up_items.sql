-- wl_follow_up_items: next steps of service records due by :as_of (next_date <= T), not yet
-- handled (wl_records holds only those no done state names)
-- grain: one row per service record (kind follow_up:<record_id>; staff_id: the record's author)
-- columns (every candidate file): customer_id, staff_id (null: the owner gets it), kind,
--   urgency (0..1), label, label_en (a name the reason quotes), amount, share, days (figures the
--   reason quotes), text_zh, text_en (ready words the reason quotes)
-- reads: wl_records (record_id, customer_id, staff_id, next_date, next_step)
SELECT customer_id, staff_id, 'follow_up:' || CAST(record_id AS VARCHAR) AS kind,
    CAST(:urgency AS DOUBLE) AS urgency,
    next_step AS label, next_step AS label_en,
    CAST(NULL AS DOUBLE) AS amount, CAST(NULL AS DOUBLE) AS share,
    CAST(date_diff('day', next_date, :as_of) AS BIGINT) AS days,
    CAST(NULL AS VARCHAR) AS text_zh, CAST(NULL AS VARCHAR) AS text_en
FROM wl_records
WHERE next_date <= :as_of
