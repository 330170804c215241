"""Post analytics: metric snapshots per delivered post, and the monthly outreach report.

Channels read figures from their platforms (``Channel.metrics``); the service here
decides what is due and stores it through ``outreach.store.metrics``. Nothing is
estimated: a figure a platform did not give is stored as unavailable with the reason.
"""
