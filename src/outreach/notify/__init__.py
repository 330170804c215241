"""E-mail notifications: each event once, to the people whose role can act, with a link.

``events`` finds what happened (pure reads), ``store.notify`` records each event
once by its key, ``mail`` sends through the city's SMTP server, and ``job``
ties them together for the daemon and ``run-due``. A browser request never
sends mail.
"""
