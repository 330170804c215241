"""Publishing: occurrences and deliveries through the ledger, drafts, approvals, hand-offs.

``service.PublishingService`` is the entry point for the scheduler, ``run-due``
and the CLI; ``model`` holds the plain data they exchange.
"""
