-- wl_group_items: customers who entered (or left) a customer group a work-list rule names, on the
-- newest date group membership was refreshed on or before :as_of (issue 25)
-- grain: one row per group and customer (kind group:<group_id>; staff_id null: the owner gets it)
-- columns (every candidate file): customer_id, staff_id, kind, urgency (0..1), label, label_en
--   (the group's name), amount (+1 entered, -1 left), share (null), days (days from the
--   refresh to :as_of), text_zh, text_en (the group's reason: which conditions are met / changed)
-- reads: wl_group_changes (group_id, as_of_date, customer_id, change, reason: one refreshed
--   date's changes), wl_group_rules (group_id, change, name)
SELECT c.customer_id, CAST(NULL AS VARCHAR) AS staff_id,
    'group:' || CAST(c.group_id AS VARCHAR) AS kind,
    CAST(:urgency AS DOUBLE) AS urgency,
    r.name AS label, r.name AS label_en,
    CAST(CASE WHEN c.change = 'entered' THEN 1 ELSE -1 END AS DOUBLE) AS amount,
    CAST(NULL AS DOUBLE) AS share,
    CAST(date_diff('day', c.as_of_date, :as_of) AS BIGINT) AS days,
    c.reason AS text_zh, c.reason AS text_en
FROM wl_group_changes c
JOIN wl_group_rules r ON r.group_id = c.group_id AND r.change = c.change
