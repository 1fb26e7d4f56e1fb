-- wl_alert_items: alerts firing on :as_of that did not fire on the previous computed date
-- grain: one row per customer and new alert (kind alert:<alert_id>)
-- columns (every candidate file): customer_id, staff_id (null: the owner gets it), kind,
--   urgency (0..1), label, label_en (a name the reason quotes), amount, share, days (figures the
--   reason quotes), text_zh, text_en (ready words the reason quotes)
-- reads: wl_alerts_today, wl_alerts_prev (the alerts files of T and of the previous computed
--   date; empty when there is none), wl_alert_defs (alert_id, name_zh, name_en, urgency)
SELECT t.customer_id, CAST(NULL AS VARCHAR) AS staff_id,
    'alert:' || t.alert_id AS kind, d.urgency,
    d.name_zh AS label, d.name_en AS label_en,
    CAST(NULL AS DOUBLE) AS amount, CAST(NULL AS DOUBLE) AS share, CAST(NULL AS BIGINT) AS days,
    json_extract_string(t.explanation, '$.zh') AS text_zh,
    json_extract_string(t.explanation, '$.en') AS text_en
FROM wl_alerts_today t
JOIN wl_alert_defs d ON d.alert_id = t.alert_id
WHERE NOT EXISTS (
    SELECT 1 FROM wl_alerts_prev p
    WHERE p.customer_id = t.customer_id AND p.alert_id = t.alert_id
)
