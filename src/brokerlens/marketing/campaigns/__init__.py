"""Campaigns (营销活动): the seeded split at launch and the conversions found in the feeds."""
