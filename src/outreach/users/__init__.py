"""Identity as a service: accounts, roles, departments, sessions, sign-in, the audit log.

The CLI (``outreach users``) and the staff web app call these functions; only
``outreach.store.users`` writes SQL. Every function that changes something
takes an ``Actor`` and writes the audit row in the same transaction.
"""
