-- wl_anniversary_items: customers whose account opening's anniversary (a whole year or more)
-- falls within the next days (wl_days)
-- grain: one row per customer (kind anniversary; amount: the years; days: days to it)
-- columns (every candidate file): customer_id, staff_id (null: the owner gets it), kind,
--   urgency (0..1), label, label_en (a name the reason quotes), amount, share, days (figures the
--   reason quotes), text_zh, text_en (ready words the reason quotes)
-- reads: wl_owners (worklist_owners of T), wl_days (day, ahead)
SELECT o.customer_id, CAST(NULL AS VARCHAR) AS staff_id, 'anniversary' AS kind,
    CAST(:urgency AS DOUBLE) AS urgency,
    CAST(NULL AS VARCHAR) AS label, CAST(NULL AS VARCHAR) AS label_en,
    CAST(min(year(d.day) - year(o.open_date)) AS DOUBLE) AS amount,
    CAST(NULL AS DOUBLE) AS share, min(d.ahead) AS days,
    CAST(NULL AS VARCHAR) AS text_zh, CAST(NULL AS VARCHAR) AS text_en
FROM wl_owners o
JOIN wl_days d ON month(d.day) = month(o.open_date) AND day(d.day) = day(o.open_date)
WHERE o.open_date IS NOT NULL AND year(d.day) > year(o.open_date) AND d.ahead <= :days_ahead
GROUP BY o.customer_id
