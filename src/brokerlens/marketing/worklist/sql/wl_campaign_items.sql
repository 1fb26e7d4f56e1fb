-- wl_campaign_items: treatment members of launched campaigns whose window covers :as_of, not
-- contacted and not converted yet
-- grain: one row per campaign and customer (kind campaign:<campaign_id>; staff_id: the member's
--   broker when the campaign was frozen)
-- columns (every candidate file): customer_id, staff_id (null: the owner gets it), kind,
--   urgency (0..1), label, label_en (a name the reason quotes), amount, share, days (figures the
--   reason quotes), text_zh, text_en (ready words the reason quotes)
-- reads: wl_campaign_members (campaign_id, name, customer_id, staff_id, window_end)
SELECT customer_id, staff_id, 'campaign:' || CAST(campaign_id AS VARCHAR) AS kind,
    CAST(:urgency AS DOUBLE) AS urgency,
    name AS label, name AS label_en,
    CAST(NULL AS DOUBLE) AS amount, CAST(NULL AS DOUBLE) AS share,
    CAST(date_diff('day', :as_of, window_end) AS BIGINT) AS days,
    CAST(NULL AS VARCHAR) AS text_zh, CAST(NULL AS VARCHAR) AS text_en
FROM wl_campaign_members
