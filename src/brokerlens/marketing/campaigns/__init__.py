"""Campaigns (营销活动, issue 17 section 3): the seeded treatment / holdout split, the conversions
per goal found in the feeds (run step "campaign outcomes"), and the uplift with its confidence
interval. The store side (create, launch, report) is `brokerlens.access.campaigns`."""
