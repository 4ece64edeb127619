"""Facebook Messenger: the webhook that turns Meta's events into the journeys' updates, the
rendering of screens within Messenger's limits, and the Graph API client that sends them."""
