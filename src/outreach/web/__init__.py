"""The webhook server (starlette app, run by ``outreach serve``)."""
