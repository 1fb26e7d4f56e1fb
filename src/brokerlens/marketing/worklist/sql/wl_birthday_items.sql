-- wl_birthday_items: individual customers whose birthday falls within the next days (wl_days)
-- grain: one row per customer (kind birthday; days: days to the birthday). The birth date is
--   read here only: it is never written into the work list.
-- columns (every candidate file): customer_id, staff_id (null: the owner gets it), kind,
--   urgency (0..1), label, label_en (a name the reason quotes), amount, share, days (figures the
--   reason quotes), text_zh, text_en (ready words the reason quotes)
-- reads: wl_owners (worklist_owners of T), wl_days (day, ahead: T and the next
--   windows.birthday_days days)
SELECT o.customer_id, CAST(NULL AS VARCHAR) AS staff_id, 'birthday' AS kind,
    CAST(:urgency AS DOUBLE) AS urgency,
    CAST(NULL AS VARCHAR) AS label, CAST(NULL AS VARCHAR) AS label_en,
    CAST(NULL AS DOUBLE) AS amount, CAST(NULL AS DOUBLE) AS share,
    min(d.ahead) AS days,
    CAST(NULL AS VARCHAR) AS text_zh, CAST(NULL AS VARCHAR) AS text_en
FROM wl_owners o
JOIN wl_days d ON month(d.day) = month(o.birth_date) AND day(d.day) = day(o.birth_date)
WHERE o.birth_date IS NOT NULL AND d.ahead <= :days_ahead
GROUP BY o.customer_id
