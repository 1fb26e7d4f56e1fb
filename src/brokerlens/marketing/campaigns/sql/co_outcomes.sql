-- co_outcomes: every launched campaign's members with a conversion or a contact found up to T.
-- grain: one row per (campaign_id, customer_id) converted or contacted, sorted by both
-- columns: campaign_id, customer_id, staff_id (the member's broker when frozen), converted_on
--   (first conversion of the campaign's goal in [window_start, min(window_end, T)], null when
--   none), contacted_on (first marketing contact in the feed, null when none), feed_contacts
-- reads: co_members and the goal models co_product_purchase, co_deposit, co_trade,
--   co_reactivation, co_permission, and co_contacts (views of the same names)
WITH conv AS (
    SELECT campaign_id, customer_id, converted_on FROM co_product_purchase
    UNION ALL
    SELECT campaign_id, customer_id, converted_on FROM co_deposit
    UNION ALL
    SELECT campaign_id, customer_id, converted_on FROM co_trade
    UNION ALL
    SELECT campaign_id, customer_id, converted_on FROM co_reactivation
    UNION ALL
    SELECT campaign_id, customer_id, converted_on FROM co_permission
)
SELECT m.campaign_id, m.customer_id, m.staff_id, c.converted_on, k.contacted_on,
    CAST(coalesce(k.contacts, 0) AS INTEGER) AS feed_contacts
FROM co_members m
LEFT JOIN conv c ON c.campaign_id = m.campaign_id AND c.customer_id = m.customer_id
LEFT JOIN co_contacts k ON k.campaign_id = m.campaign_id AND k.customer_id = m.customer_id
WHERE c.converted_on IS NOT NULL OR k.contacts > 0
ORDER BY m.campaign_id, m.customer_id
