"""RetailCo's own slot resolvers: the engine's, with what only this pack knows about its actions."""

from __future__ import annotations

from parley.engine.slots import SlotAnswer, SlotQuery, resolve_order

REFUNDED_STATUSES = ("cancelled", "returned")


def resolve_order_for_action(query: SlotQuery) -> SlotAnswer:
    """Like the engine's order resolver, but "when do I get my refund?" needs no question when exactly one
    of the customer's recent orders was cancelled or returned: that is the order whose money moves."""
    answer = resolve_order(query)
    if answer.ask is None or query.action != "refund_status" or query.explicit or query.expecting:
        return answer
    refunded = [o.id for o in query.context.orders if o.status in REFUNDED_STATUSES]
    return SlotAnswer(refunded[0]) if len(refunded) == 1 else answer


RESOLVERS = {"order_id": resolve_order_for_action}
