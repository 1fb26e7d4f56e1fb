-- co_permission: permission-opening campaigns' conversions: a service agreement of the
--   campaign's service (any service when none is named) signed in the window.
-- grain: one row per converted member of a permission campaign
-- columns: campaign_id, customer_id, converted_on
-- reads: co_members (service, window_start, window_until), service_agreements (the newest
--   version of each agreement: its sign date never changes)
SELECT m.campaign_id, m.customer_id, min(s.sign_date) AS converted_on
FROM co_members m
JOIN service_agreements s
    ON s.customer_id = m.customer_id
    AND s.sign_date >= m.window_start AND s.sign_date <= m.window_until
WHERE m.goal = 'permission' AND (m.service IS NULL OR s.service = m.service)
GROUP BY m.campaign_id, m.customer_id
