"""The graph's nodes. Each reads the checkpointed state and the turn's scratchpad (`Turn`, given as
the run's context) and returns only the state keys it changes."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from langgraph.runtime import Runtime as GraphRuntime

from parley.engine.context import load_concurrently, load_inline
from parley.engine.dialogue import DialogueManager, open_question
from parley.engine.state import ConversationState, push_window
from parley.engine.turn import Step, Turn
from parley.nlg.render import Voice
from parley.nlu.types import OrderHint, ParseContext
from parley.packs.base import ActionEnv, CustomerContext, Outcome

if TYPE_CHECKING:
    from parley.backends.records import Customer

log = logging.getLogger(__name__)
ACTIONS_WINDOW = 10


# ---------------------------------------------------------------------------------------- load_context
def load_context(state: ConversationState, runtime: GraphRuntime[Turn]) -> dict[str, Any]:
    """Loads the customer's context (engine/context.py); a source that fails or is slow degrades to empty."""
    turn = runtime.context
    rt = turn.runtime
    customer: Customer = turn.runtime.current_customer(turn.message.customer_id)
    backend = rt.backend
    cid = customer.id
    sources: dict[str, Any] = {
        "orders": lambda: backend.recent_orders(cid, 10),
        "loyalty": lambda: backend.get_loyalty(cid),
        "preferences": lambda: backend.get_preferences(cid),
        "history": lambda: rt.conversations.customer_history(cid, 3) if not state.get("turns") else [],
    }
    for pack in rt.packs:
        for name, loader in pack.context_loaders.items():
            sources[name] = lambda loader=loader: loader(backend, cid)
    timeout = rt.settings.context_timeout_s
    if getattr(backend, "reads_are_local", False):
        result = load_inline(sources, timeout, cid)  # most of it read ahead by the engine (`Engine._handle`)
    else:
        result = load_concurrently(sources, rt.pool, timeout, cid)
    loaded, degraded = result.values, result.degraded
    loyalty = loaded.get("loyalty")
    prefs = loaded.get("preferences")
    context = CustomerContext(
        customer=customer,
        orders=list(loaded.get("orders") or []),
        loyalty_tier=getattr(loyalty, "tier", None),
        loyalty_points=int(getattr(loyalty, "points", 0) or 0),
        quiet_hours=list(getattr(prefs, "quiet_hours", []) or []),
        timezone=getattr(prefs, "timezone", "UTC") or "UTC",
        subscribers=list(loaded.get("subscribers") or []),
        history=list(loaded.get("history") or []),
        degraded=degraded,
    )
    turn.context = context
    update: dict[str, Any] = {}
    if not state.get("session_id"):
        update.update(
            session_id=turn.message.session_id,
            customer_id=cid,
            channel=turn.message.channel,
            dialog_context={},
            pending_confirmations=[],
            completed_actions=[],
            messages=[],
            escalated=False,
            escalation_reason=None,
            escalation_priority=None,
            turns=0,
            current_intent=None,
        )
    profile = {
        "id": cid,
        "name": customer.name,
        "tier": context.tier,
        "preferred_language": customer.preferred_language,
    }
    if state.get("customer_profile") != profile:
        update.update(
            customer_profile=profile,
            customer_tier=context.tier,
            preferred_language=customer.preferred_language,
        )
    return update


# ---------------------------------------------------------------------------------------- understand
def understand(state: ConversationState, runtime: GraphRuntime[Turn]) -> dict[str, Any]:
    turn = runtime.context
    assert turn.context is not None
    rt = turn.runtime
    dialog = state.get("dialog_context") or {}
    parse_context = ParseContext(
        orders=[OrderHint(o.id, o.date, o.status, [i.name for i in o.items]) for o in turn.context.orders],
        services=rt.service_catalog(),
        expecting=dialog.get("expecting"),
        preferred_language=state.get("language") or turn.context.customer.preferred_language,
    )
    nlu = rt.parser.parse(turn.message.text, context=parse_context)
    turn.nlu = nlu
    turn.language = nlu.language
    if parse_context.expecting == "code_word" and len(turn.message.text.split()) == 1:
        # The code word is in whatever language the account holder chose it in ("берёза" from an English
        # speaker); it says nothing about the language of the conversation.
        turn.language = parse_context.preferred_language or nlu.language
    return {"language": turn.language}


# ---------------------------------------------------------------------------------------- decide
def decide(state: ConversationState, runtime: GraphRuntime[Turn]) -> dict[str, Any]:
    turn = runtime.context
    return DialogueManager(turn.runtime).decide(state, turn)


# ---------------------------------------------------------------------------------------- act
def act(state: ConversationState, runtime: GraphRuntime[Turn]) -> dict[str, Any]:
    """Runs the planned actions in order; each is recorded once, with its outcome."""
    turn = runtime.context
    rt = turn.runtime
    assert turn.context is not None
    update: dict[str, Any] = {}
    for step in turn.plan:  # a list that may grow: an escalation can follow a failed attempt
        if not step.action:
            continue
        spec = rt.actions[step.action]
        env = ActionEnv(
            customer_id=turn.message.customer_id,
            session_id=turn.message.session_id,
            backend=rt.backend,
            context=turn.context,
            settings=rt.settings,
            idempotency_key=step.idempotency_key,
            extras={
                "conversations": rt.conversations,
                "state": state,
                "runtime": rt,
                "code_word": (
                    turn.nlu.entities.get("code_word") if turn.nlu and step.retry_pending else None
                ),
            },
        )
        try:
            outcome = spec.execute(env, dict(step.params))
        except Exception:
            log.exception("action %s failed", step.action)
            outcome = Outcome(success=False, error="internal")
        step.outcome = outcome
        if outcome.success and outcome.offer:
            update.update(_ask_offer(outcome.offer, {**state, **update}, turn))
        if step.retry_pending is not None and not outcome.success:
            if outcome.data.get("escalate"):
                follow = outcome.data["escalate"]
                turn.plan.append(
                    Step(
                        action="transfer_to_operator",
                        params=dict(follow),
                        idempotency_key=f"{step.idempotency_key}:escalate",
                    )
                )
            elif outcome.error != "internal":
                update["pending_confirmations"] = [step.retry_pending]
                dialog = dict(update.get("dialog_context") or state.get("dialog_context") or {})
                dialog["expecting"] = "code_word"
                update["dialog_context"] = dialog
        record = {
            "action": step.action,
            "params": step.params,
            "success": outcome.success,
            "data": outcome.data,
        }
        turn.executed.append({**record, "at": turn.at, "idempotency_key": step.idempotency_key})
        if step.action == "transfer_to_operator" and outcome.success:
            turn.escalation = {
                "reason": step.params.get("reason"),
                "priority": step.params.get("priority"),
                "queue_position": outcome.data.get("queue_position", 1),
            }
            dialog = dict(update.get("dialog_context") or state.get("dialog_context") or {})
            dialog["queue_position"] = turn.escalation["queue_position"]
            update.update(
                escalated=True,
                escalation_reason=step.params.get("reason"),
                escalation_priority=step.params.get("priority"),
                dialog_context=dialog,
            )
        if step.action == "withdraw_escalation" and outcome.success:
            dialog = dict(update.get("dialog_context") or state.get("dialog_context") or {})
            dialog.pop("queue_position", None)
            update.update(
                escalated=False, escalation_reason=None, escalation_priority=None, dialog_context=dialog
            )
    window = [{k: v for k, v in e.items() if k != "idempotency_key"} for e in turn.executed]
    update["completed_actions"] = push_window(state.get("completed_actions") or [], window, ACTIONS_WINDOW)
    return update


def _ask_offer(offer: dict[str, Any], state: dict[str, Any], turn: Turn) -> dict[str, Any]:
    """An action's proposed next step ("shall I send a payment link for 86 ₽?") becomes the open yes/no
    question — unless the dialogue already left one open or is waiting for a detail: one question at a
    time. A yes runs it through the same confirmation path as any other pending action."""
    dialog = dict(state.get("dialog_context") or {})
    busy = dialog.get("task") or dialog.get("flow") or state.get("escalated")
    if busy or state.get("pending_confirmations"):
        return {}
    dialog["seq"] = int(dialog.get("seq", 0)) + 1
    dialog["expecting"] = "answer"
    params = dict(offer["params"])
    task = {"id": dialog["seq"], "intent": None, "action": offer["action"], "params": params}
    pending = open_question(task, "yes_no")
    yes, no = turn.runtime.nlg.quick_yes_no(turn)
    turn.say(f"{offer['action']}.confirm", [yes, no], **params)
    return {"pending_confirmations": [pending], "dialog_context": dialog}


# ---------------------------------------------------------------------------------------- respond
def respond(state: ConversationState, runtime: GraphRuntime[Turn]) -> dict[str, Any]:
    turn = runtime.context
    rt = turn.runtime
    assert turn.context is not None
    dialog = state.get("dialog_context") or {}
    voice = Voice(
        language=turn.language,
        tier=turn.context.tier,
        name=turn.context.customer.name.split()[0] if turn.context.customer.name else "",
        angry=bool(dialog.get("angry")),
    )
    # the question the turn leaves open, for wording that would otherwise ask for it again ("say 'turn it on'"
    # right above "shall I turn it on?")
    open_questions = state.get("pending_confirmations") or []
    open_question = open_questions[0] if open_questions else None
    for index, step in enumerate(turn.plan):
        # A reply that would close with "anything else I can help with?" drops that question when the turn
        # goes on to something else (a request set aside earlier, answered right after it).
        more_follows = index < len(turn.plan) - 1
        if step.reply is not None:
            text = rt.nlg.render(step.reply.key, voice, {**step.reply.vars, "more_follows": more_follows})
            quick = step.reply.quick_replies
        else:
            outcome = step.outcome or Outcome(success=False, error="internal")
            if not outcome.success:
                key = f"{step.action}.error.{outcome.error}"
            else:
                key = f"{step.action}.success" + (f"_{outcome.wording}" if outcome.wording else "")
            variables = {**step.params, **outcome.data, "open_question": open_question}
            text = rt.nlg.render(key, voice, {**variables, "more_follows": more_follows})
            quick = []
        if text:
            turn.texts.append({"text": text, "quick_replies": list(quick)})
    if not turn.texts:
        turn.texts.append({"text": rt.nlg.render("fallback.not_understood", voice), "quick_replies": []})
    if voice.angry:
        turn.texts[0]["text"] = f"{rt.nlg.apology(voice)} {turn.texts[0]['text']}".strip()
    elif not state.get("turns") and not (
        turn.plan and turn.plan[0].reply and "greeting" in turn.plan[0].reply.key
    ):
        turn.texts[0]["text"] = f"{rt.nlg.render('tone.salutation', voice)} {turn.texts[0]['text']}".strip()
    window = [{"role": "customer", "text": turn.customer_text[:2000], "at": turn.at}]
    window += [{"role": "agent", "text": t["text"], "at": turn.at} for t in turn.texts]
    return {
        "messages": push_window(state.get("messages") or [], window, rt.settings.history_window),
        "turns": int(state.get("turns") or 0) + 1,
    }
