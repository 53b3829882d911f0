"""Signals the CRM sends; other apps (processes, integrations) connect receivers.

`business_event` is sent inside the transaction of the write that caused it, so a process
started by a start binding commits or rolls back together with the record.
`customers_recycled` is sent after commit: it is the notification hook for former owners.
"""

from django.dispatch import Signal

# kwargs: name (e.g. "customer.level_change_requested"), obj, actor, data (dict)
business_event = Signal()

# kwargs: pool, by_owner ({owner user id: [customer ids]}), at
customers_recycled = Signal()
