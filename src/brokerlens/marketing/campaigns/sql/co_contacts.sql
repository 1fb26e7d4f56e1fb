-- co_contacts: the contacts feed's marketing contacts with each member in the window (the
--   call centre's and the brokers' own systems'): how many, and the first one's date.
-- grain: one row per member with at least one such contact
-- columns: campaign_id, customer_id, contacts, contacted_on
-- reads: co_members (window_start, window_until), co_contacts_feed
SELECT m.campaign_id, m.customer_id, count(*) AS contacts, min(c.biz_date) AS contacted_on
FROM co_members m
JOIN co_contacts_feed c
    ON c.customer_id = m.customer_id
    AND c.biz_date >= m.window_start AND c.biz_date <= m.window_until
WHERE c.purpose = 'marketing'
GROUP BY m.campaign_id, m.customer_id
