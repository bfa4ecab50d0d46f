"""The reference backend's per-turn lookups, built once as Core statements with bound parameters.

Every turn reads the customer, their recent orders, loyalty, preferences and numbers. Building a
`select(...)` costs SQLAlchemy more than running it on SQLite (statement objects, then a cache key
to find the compiled form); these are built once and run on the driver's cursor
(`parley.store.driver_query`).
"""

from __future__ import annotations

from sqlalchemy import bindparam, select

from parley.backends.reference.models import (
    CustomerChannelRow,
    CustomerRow,
    LoyaltyRow,
    OrderRow,
    PreferencesRow,
    SubscriberRow,
    SubscriberServiceRow,
)
from parley.store.driver_query import DriverQuery

_customers = CustomerRow.__table__
_channels = CustomerChannelRow.__table__
_orders = OrderRow.__table__
_loyalty = LoyaltyRow.__table__
_preferences = PreferencesRow.__table__
_subscribers = SubscriberRow.__table__
_services = SubscriberServiceRow.__table__

# The customer and their channel addresses in one statement (one row per channel, or one row with NULL
# channel columns): every turn starts with this read, and on PostgreSQL each statement is a round trip.
CUSTOMER_WITH_CHANNELS = DriverQuery(
    select(
        _customers,
        _channels.c.channel.label("channel_kind"),
        _channels.c.address.label("channel_address"),
    )
    .select_from(_customers.outerjoin(_channels, _channels.c.customer_id == _customers.c.id))
    .where(_customers.c.id == bindparam("customer_id"))
    .order_by(_channels.c.channel)
)
ORDER = DriverQuery(select(_orders).where(_orders.c.id == bindparam("order_id")))
RECENT_ORDERS = DriverQuery(
    select(_orders)
    .where(_orders.c.customer_id == bindparam("customer_id"))
    .order_by(_orders.c.date.desc(), _orders.c.id.desc())
    .limit(bindparam("limit"))
)
LOYALTY = DriverQuery(select(_loyalty).where(_loyalty.c.customer_id == bindparam("customer_id")))
PREFERENCES = DriverQuery(select(_preferences).where(_preferences.c.customer_id == bindparam("customer_id")))
SUBSCRIBERS = DriverQuery(
    select(_subscribers)
    .where(_subscribers.c.customer_id == bindparam("customer_id"))
    .order_by(_subscribers.c.msisdn)
)
# The services of all of a customer's numbers: no list of numbers to bind, so it can go out together with
# the numbers themselves (`all_together`).
CUSTOMER_SERVICES = DriverQuery(
    select(_services)
    .join(_subscribers, _subscribers.c.msisdn == _services.c.msisdn)
    .where(_subscribers.c.customer_id == bindparam("customer_id"))
    .order_by(_services.c.code)
)
