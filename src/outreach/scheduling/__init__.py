"""Schedules: when posts are due, and the processes that wake up to publish them.

``specs`` reads ``schedules/*.yaml``; ``cron`` turns a crontab line into fire
times (APScheduler's own trigger, so the daemon and ``run-due`` agree); ``due``
decides from the ledger watermark what to plan or record as missed; ``runner``
does one pass (shared by ``run-due`` and the daemon); ``daemon`` keeps a
BlockingScheduler in the foreground; ``lock`` allows one daemon per database.
"""
