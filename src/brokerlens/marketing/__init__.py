"""Acting on the analytics (issue 17): the broker's daily work list, campaigns with holdouts,
care and reminder messages. Service records live in the store and are written through
`brokerlens.access.records`; the run steps here read them."""
