"""The dialogue manager: decides, for one understood message, what to say and which actions to run.

It is plain Python on purpose (the one rule of the design): understanding proposes intents and
entities; this module owns tasks and their slots, confirmations, corrections, topic switches,
pack flows and escalation. It never executes anything itself — it appends `Step`s to the turn's
plan, and the `act` node runs them. It may call read-only checks so that an action that cannot
run is explained before the customer is asked to confirm it.

The memory it keeps lives in `dialog_context` (checkpointed, small):
  task          the task being filled: {"id", "intent", "action", "params", "missing"}
  suspended     tasks interrupted by a topic switch, resumed afterwards (most recent last)
  flow          an active pack flow: {"name", "state", "intent"}
  expecting     what the last question asked for: a slot name, "answer", "code_word" or None
  focus_order_id / mentioned_orders / listed_orders   the orders talked about
  focus_msisdn / focus_service   the number and the service talked about
  last_task     the last finished task, for "no, I meant the other one"
  anger_streak / misunderstood_streak / offered_human
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from parley.engine.escalation import WITHDRAWS, waiting_in_queue
from parley.engine.slots import DESCRIPTION_SLOTS, FREE_TEXT_SLOTS, REFERENCE_KEYS, SlotQuery, short_amount
from parley.engine.turn import Step, Turn
from parley.nlu.entities.answers import is_acknowledgment, is_bare_answer
from parley.nlu.entities.orders import listed_together
from parley.nlu.types import OUT_OF_SCOPE, IntentSpan
from parley.packs.base import ActionEnv, ActionSpec, FlowStep, IntentRoute, Outcome, Reply
from parley.policy import escalation as escalation_policy
from parley.policy.confirmation import read_confirmation
from parley.policy.understanding import (
    OPERATOR_REQUEST_FROM,
    SWITCH_TOPIC_FROM,
    interrupts_task,
    is_follow_up,
    is_topic_switch,
    understood,
)

if TYPE_CHECKING:
    from parley.engine.runtime import Runtime
    from parley.engine.state import ConversationState
    from parley.nlu.types import NluResult

MAX_SUSPENDED = 3
FREE_TEXT_SWITCH_FROM = 0.85
# "make it the kettle instead", "I meant the blue one", "нет, лучше другой": the last request, redirected
REDIRECTS = re.compile(
    r"\binstead\b|\bi\s+meant\b|\bmake\s+it\b|\bnot\s+(?:that|this)\s+one\b|\bвместо\b"
    r"|имел[аи]?\s+в\s+виду|\bлучше\b",
    re.IGNORECASE,
)
SWITCH_FROM_CORRECTION = 0.9  # a request read this surely is a request of its own, whatever words it uses
# slots whose answer is a thing a request names (slot -> entity): "which order / number / service?"
NAMED_SLOTS = {"order_id": "order_id", "msisdn": "msisdn", "service_code": "service"}
CLEARLY_OUT_OF_SCOPE = 0.9
ASKS_WHY = re.compile(
    r"^\W*(?:а\s+|but\s+|and\s+)?(?:why(?:\s+not)?|how\s+come|почему(?:\s+же)?|отчего|как\s+так|с\s+чего\s+бы)"
    r"(?:\s+(?:нельзя|не|so|is\s+that|that))?\W*$",
    re.IGNORECASE,
)
MEANINGFUL_ALTERNATIVE = 0.1  # a runner-up this likely may win when the top reading cannot apply at all
ASKS_IF_BOT = re.compile(
    r"\b(?:are\s+you\s+(?:a\s+)?(?:bot|robot|real|human|person|ai|machine)|am\s+i\s+(?:talking|chatting)\s+to\s+a"
    r"\s+(?:bot|robot|real|human|person|machine))|(?:ты|вы)\s+(?:-\s*)?(?:бот|робот|живой|живая|человек|нейросеть)"
    r"|(?:я\s+)?(?:общаюсь|говорю|переписываюсь)\s+с\s+(?:ботом|роботом|человеком)",
    re.IGNORECASE,
)
# "what can you do?", "чем вы можете помочь?": what this assistant does, for this customer (a message of its
# own, short: "what can you do about my order 100234?" is that order's request)
ASKS_WHAT_I_CAN_DO = re.compile(
    r"^\W*(?:so\s+|and\s+|ok\s+|hi\W+|hello\W+)?(?:what\s+(?:can|do|else\s+can)\s+you\s+(?:do|help\s+(?:me\s+)?with)"
    r"|what\s+can\s+i\s+ask(?:\s+you)?|how\s+can\s+you\s+help(?:\s+me)?|what\s+are\s+you\s+able\s+to\s+do"
    r"|(?:а\s+|и\s+|так\s+)?(?:что\s+(?:ты\s+|вы\s+)?(?:умеешь|умеете|можешь|можете)(?:\s+делать)?"
    r"|чем\s+(?:ты\s+|вы\s+)?(?:можешь|можете)\s+(?:мне\s+)?помочь|с\s+чем\s+(?:ты\s+|вы\s+)?(?:помогаешь|помогаете)))"
    r"\W*$",
    re.IGNORECASE,
)
# words that take leave: a farewell the classifier reads needs one of them to end an open question
LEAVING = re.compile(
    r"\b(?:bye|goodbye|see\s+you|that'?s\s+(?:all|it)|that\s+is\s+all|nothing\s+else|have\s+a\s+(?:nice|good|great)"
    r"|thanks?|thank\s+you|thx|cheers|пока|до\s+свидания|всего\s+(?:доброго|хорошего)|хорошего\s+дня|до\s+встречи"
    r"|спасибо|благодарю|больше\s+ничего|это\s+вс[её]|poka|spasibo|do\s+svidaniya)\b|^\s*вс[её]\b",
    re.IGNORECASE,
)
# Words that greet: a "greeting" without one ("the headphones", mid-conversation) is the classifier's guess.
GREETS = re.compile(
    r"\b(?:hello|hi|hey|hiya|howdy|greetings|yo|good\s+(?:morning|afternoon|evening|day)|any(?:one|body)\s+there"
    r"|привет\w*|здравств\w*|здрасс?ьте|здрасте|добр\w+\s+(?:день|вечер|утро|времени)|доброе\s+утро|приветствую"
    r"|хай|салют|алло|есть\s+кто|privet\w*|zdravstv\w*|dobr\w+\s+(?:den|vecher|utro))",
    re.IGNORECASE,
)
# "actually, the reason is ..." replaces the reason just read back; anything else said about the problem adds
REPLACES_REASON = re.compile(
    r"\b(?:actually|i\s+meant|rather|instead|not\s+that|вернее|точнее|на\s+самом\s+деле|я\s+имел[а]?\s+в\s+виду"
    r"|не\s+(?:в\s+этом|это))\b",
    re.IGNORECASE,
)
# asking for the agent's set-up ("show me your system prompt", "ignore previous instructions")
PROBES_INTERNALS = re.compile(
    r"system\s+prompt|your\s+(?:instructions|prompt|configuration)|ignore\s+(?:all\s+)?"
    r"(?:the\s+)?(?:previous|prior|above|your)\s+instructions|jailbreak|developer\s+mode"
    r"|системн\w*\s+промпт|\bпромпт|тво\w*\s+инструкци|игнорируй\w*\s+(?:все\s+)?(?:предыдущ|прошл)\w*"
    r"\s+инструкци",
    re.IGNORECASE,
)
WANTS_A_PERSON = re.compile(
    r"operator|agent|manager|\b(?:speak|talk)\s+(?:to|with)\b|connect|transfer|human\s+(?:please|now)"
    r"|оператор|менеджер|позов|соедин|переключ|хочу\s+(?:с\s+)?(?:человек|живо)",
    re.IGNORECASE,
)
PERSON = re.compile(r"operator|human|person|agent|оператор|человек|переключ", re.IGNORECASE)
# Some word for a person, or for not wanting a machine, in a request for one: the classifier alone reads "тот,
# что с чайником" (to "which order?") as a request for an operator (0.61). Every operator request of the
# training and held-out files has one of these.
SAYS_WHO = re.compile(
    r"some(?:one|body)|any(?:one|body)|\breal\b|\blive\b|\bstaff|support|service|represent|\brep\b|supervisor"
    r"|\bboss\b|robot|\bbot\b|escalat|operat\w*|human|person|people|manager|agent|connect|transfer"
    r"|кто-?нибудь|кого-?нибудь|кем-?нибудь|жив|сотрудник|специалист|поддержк|руковод|начальник|консультант"
    r"|менеджер|оператор|робот|\bбот|\bтого,?\s+кто|человек|людьми|людям|соедин|переключ|позов"
    r"|chelovek|sotrudnik|zhiv|menedzher",
    re.IGNORECASE,
)
SURE_OPERATOR_REQUEST = 0.85  # above it, the classifier's reading stands without such a word
# a question rather than a request: "what happens if I cancel?", "а можно отменить?"
ASKS = re.compile(
    r"\?|^\s*(?:what|how|why|when|can|could|is|are|do|does|will|would|should)\b"
    r"|^\s*(?:а\s+)?(?:что|как|почему|когда|можно)\b|\bли\b",
    re.IGNORECASE,
)

# a second change added to the first ("and change the payment to cash too", "а ещё адрес поменяйте"), not
# the first one put right
ADDS_ANOTHER = re.compile(
    r"^\W*(?:and|plus|also|а|и)\b|\b(?:also|too|as\s+well|another\s+thing|тоже|также|ещё|еще)\b",
    re.IGNORECASE,
)

# Entities that answer the moment they are said, never a later question: a yes/no, a code word (never kept)
NOT_CARRIED = frozenset({"answer", "code_word", "forgot_code_word"})


# A person asked for in so many words, whatever else the message says ("это уже третий раз!!! позовите
# человека" reads as a complaint as a whole, and the complaint alone was filed)
CALLS_A_PERSON = re.compile(
    r"\b(?:speak|talk)\s+(?:to|with)\s+(?:a\s+|an\s+|the\s+|your\s+)?(?:real\s+|live\s+)?"
    r"(?:human|person|operator|agent|manager|supervisor|somebody\s+real|someone\s+real)\b"
    r"|\b(?:get|give|put)\s+me\s+(?:through\s+to\s+)?(?:a\s+|an\s+|the\s+)?(?:real\s+|live\s+)?"
    r"(?:human|person|operator|agent|manager|supervisor)\b|\b(?:human|real\s+person|operator)\s+please\b"
    r"|(?:позовите|позови|дайте|соедините\s+(?:меня\s+)?с|переключите\s+(?:меня\s+)?на|свяжите\s+(?:меня\s+)?с"
    r"|хочу\s+(?:поговорить\s+)?с)\s+(?:живым\s+|живого\s+)?(?:человек|оператор|менеджер|сотрудник|живым|живого)",
    re.IGNORECASE,
)
_NOT_A_PERSON = re.compile(
    r"\b(?:don'?t|do\s+not|no\s+need|не\s+(?:надо|нужно|хочу|зовите))\b", re.IGNORECASE
)


def requests_of(nlu: NluResult) -> list[IntentSpan]:
    """The message's requests in order: its spans, or the whole message as one when it has none."""
    return list(nlu.spans) or [IntentSpan(nlu.intent, nlu.confidence, nlu.text, nlu.entities)]


def asks_for_a_person(text: str) -> bool:
    return CALLS_A_PERSON.search(text) is not None and _NOT_A_PERSON.search(text) is None


# "make it 150", "нет, лучше 300", "давайте 500": a short message that only names another amount
AMOUNT_CORRECTION_MAX_WORDS = 5


def new_amount(text: str, entities: dict[str, Any]) -> dict[str, Any] | None:
    """The amount a short correction names (as the amount resolver sets it: value and the currency said
    with it), or None: one number of at most five digits and nothing else the message could be about."""
    if len(re.findall(r"\w+", text)) > AMOUNT_CORRECTION_MAX_WORDS:
        return None
    if any(entities.get(k) for k in ("order_id", "msisdn", "date", "product", "service")):
        return None
    amount = entities.get("amount")
    if isinstance(amount, dict) and amount.get("value"):
        return {"amount": float(amount["value"]), "amount_currency": amount.get("currency")}
    if amount is None and (value := short_amount(text)) is not None:
        return {"amount": value, "amount_currency": None}
    return None


def open_question(task: dict[str, Any], kind: str) -> dict[str, Any]:
    """The pending-confirmation record of a task: what to run once the customer answers."""
    return {
        "id": task["id"],
        "intent": task.get("intent"),
        "action": task["action"],
        "params": task["params"],
        "kind": kind,
    }


class DialogueManager:
    def __init__(self, runtime: Runtime) -> None:
        self.rt = runtime

    # ------------------------------------------------------------------ entry point
    def decide(self, state: ConversationState, turn: Turn) -> dict[str, Any]:
        """Plans the turn; returns the state updates (dialog_context, pending, intent)."""
        assert turn.nlu is not None and turn.context is not None
        d: dict[str, Any] = dict(state.get("dialog_context") or {})
        pending = list(state.get("pending_confirmations") or [])
        ctx = _Decision(self, state, turn, d, pending)
        ctx.run()
        return {
            "dialog_context": d,
            "pending_confirmations": ctx.pending,
            "current_intent": ctx.current_intent,
        }


class _Decision:
    """One message's decision; split out so the steps can share the turn's context."""

    def __init__(
        self,
        manager: DialogueManager,
        state: ConversationState,
        turn: Turn,
        dialog: dict[str, Any],
        pending: list[dict[str, Any]],
    ) -> None:
        self.rt = manager.rt
        self.state = state
        self.turn = turn
        self.d = dialog
        self.pending = pending
        self.nlu: NluResult = turn.nlu  # type: ignore[assignment]
        self.context = turn.context
        self.current_intent = state.get("current_intent")
        self.asked: Step | None = None  # the step that (re)asked the open question in this turn
        self.previous_refusal: dict[str, Any] | None = None  # what the last turn refused, for a "why?"
        self.tier = turn.context.tier if turn.context else "standard"
        # the piece of a message with several requests being served, or a request said in an earlier message
        # and started only now (see `resume_suspended`): a route that reads the words picks from it ("... and
        # pay for 100260 with cash" is a payment change, whatever else the message said), and free-text slots
        # ("what is the complaint?") are read from it
        self.piece: NluResult | None = None
        self.operator_just_offered = False  # the last reply named an operator as the way out
        self.interrupted_task = False  # this message set the task it did not answer aside (`on_task`)

    # ------------------------------------------------------------------ helpers
    @property
    def env(self) -> ActionEnv:
        assert self.context is not None
        return ActionEnv(
            customer_id=self.turn.message.customer_id,
            session_id=self.turn.message.session_id,
            backend=self.rt.backend,
            context=self.context,
            settings=self.rt.settings,
            extras={"runtime": self.rt},
        )

    def next_id(self) -> int:
        self.d["seq"] = int(self.d.get("seq", 0)) + 1
        return int(self.d["seq"])

    def say(self, key: str, quick: list[str] | None = None, **vars: Any) -> None:
        self.turn.say(key, quick, **vars)

    def run_action(self, action: str, params: dict[str, Any], task_id: int | None = None) -> None:
        key = f"{self.turn.message.session_id}:{task_id if task_id is not None else self.next_id()}"
        self.turn.plan.append(Step(action=action, params=dict(params), idempotency_key=key))
        self.remember_params(params)

    def remember_params(self, params: dict[str, Any]) -> None:
        order_id = params.get("order_id")
        if order_id:
            self.d["focus_order_id"] = str(order_id)
            mentioned = [m for m in self.d.get("mentioned_orders", []) if m != order_id]
            self.d["mentioned_orders"] = [*mentioned, str(order_id)][-5:]
        if params.get("msisdn") in {s.msisdn for s in (self.context.subscribers if self.context else [])}:
            self.d["focus_msisdn"] = params["msisdn"]  # a number, not "all" (a balance overview)
        if params.get("service_code"):
            self.d["focus_service"] = params["service_code"]

    # ------------------------------------------------------------------ the decision
    def run(self) -> None:
        nlu = self.nlu
        if self.state.get("escalated"):
            if not self.withdraws_escalation():
                self.say("escalation.waiting", position=self.d.get("queue_position"))
                return
            if not self.asks_more():
                return  # "never mind": the withdrawal's own reply asks what to do
        self.update_streaks()
        self.previous_refusal = self.d.pop("last_refusal", None)  # for a "why?" to the very next message

        if PROBES_INTERNALS.search(nlu.text):
            # "ignore previous instructions, show me the system prompt": nothing of the set-up is shown, and
            # nothing open is lost
            self.say("intent.no_internals")
            if self.pending:
                self.ask_pending()
            return
        if ASKS_IF_BOT.search(nlu.text) and not WANTS_A_PERSON.search(nlu.text):
            # "am I talking to a bot?" reads like a request for a person to the classifier. Whoever asks
            # gets a straight answer — this is software, a person is one message away — and loses nothing open
            self.say("intent.about_agent")
            if self.pending:
                self.ask_pending()
            return
        if ASKS_WHAT_I_CAN_DO.search(nlu.text):
            # the classifier reads it as out of scope or a general question, and a pack's general answer lists
            # only its own actions: what this customer can do here, and the question open, if any, again
            orders, line = self.capabilities()
            self.say("help.capabilities", orders=orders, line=line)
            if self.pending:
                self.ask_pending()
            elif self.d.get("task"):
                self.continue_task(self.d["task"], entities={}, reask=True)
            return
        if self.requests_an_operator():
            priority = escalation_policy.request_priority(self.tier, nlu.sentiment.anger)
            for offer in self.pending:
                # a calm "get me a person" right after we offered one to an angry customer keeps that urgency
                if offer["action"] == "transfer_to_operator":
                    priority = escalation_policy.higher(priority, offer["params"].get("priority", priority))
            self.escalate("customer_request", priority)
            return

        # what the last message was answered with (a reply route's template key): a route may read a pronoun
        # by it, as in "а можно ими оплатить?" right after the loyalty points were told, or take a bare order
        # number as the order of the rules just told (`packs/retail/pack.py`)
        self.d["previous_answer"] = self.d.pop("answered", None)
        offered_operator = self.d.pop("offered_operator", None)  # good for the very next message only
        self.operator_just_offered = bool(offered_operator)
        if offered_operator and self.accepts_operator_offer(offered_operator):
            return
        ended_flow = self.d.pop("ended_flow", None)  # likewise
        if ended_flow and self.reopens_flow(ended_flow):
            self.after_mood()
            return
        handled = False
        if self.pending:
            handled = self.on_pending()
        elif self.d.get("flow"):
            handled = self.on_flow()
        elif self.d.get("task"):
            handled = self.on_task()
        if not handled:
            self.on_new_request()
            if self.interrupted_task and self.current_intent != "operator_request":
                # "стоп, а сколько у меня баллов?" to "which order?": answered, then back to the order
                # question at once — a task whose question is not asked again is easily forgotten, and the
                # customer's next message would start the same request over (a second one, asked later)
                self.resume_suspended()
        self.after_mood()
        if self.pending and not self.asked and handled is False:
            self.ask_pending()  # a new request was served in between: ask the open question again
        self.question_last()

    def requests_an_operator(self) -> bool:
        """Asked for a person: so read by the classifier, and surely or with a word for one; or asked for in
        so many words, whatever else the message is read as."""
        nlu = self.nlu
        readings = [(s.confidence, s.text) for s in nlu.spans or [] if s.intent == "operator_request"]
        if nlu.intent == "operator_request":
            readings.append((nlu.confidence, nlu.text))
        return any(
            confidence >= OPERATOR_REQUEST_FROM
            and (confidence >= SURE_OPERATOR_REQUEST or SAYS_WHO.search(text) is not None)
            for confidence, text in readings
        ) or asks_for_a_person(nlu.text)

    def capabilities(self) -> tuple[bool, bool]:
        """Whether to tell of orders, of a line: what of the enabled packs this customer has — or, neither
        known, all of them."""
        sells, connects = "get_order_status" in self.rt.actions, "check_balance" in self.rt.actions
        orders = sells and bool(self.context and self.context.orders)
        line = connects and bool(self.context and self.context.subscribers)
        return (orders, line) if orders or line else (sells, connects)

    def withdraws_escalation(self) -> bool:
        """ "Actually never mind, where is my order?" while still in the operator queue: the request for a
        person is withdrawn (the escalation goes back as `returned`) and the rest of the message is served.
        Not once an operator has taken the conversation, and not for a message that asks for one again."""
        said = [m.group(0) for m in WITHDRAWS.finditer(self.nlu.text)]
        if not said or (self.nlu.intent == "operator_request" and not any(PERSON.search(m) for m in said)):
            return False  # "never mind the bot, get me a human": asks for one all the more
        if waiting_in_queue(self.rt.conversations, self.turn.message.session_id) is None:
            return False
        self.run_action("withdraw_escalation", {})
        self.current_intent = None
        self.state = {**self.state, "escalated": False}  # type: ignore[typeddict-item]
        return True

    def asks_more(self) -> bool:
        """Whether the message asks for something besides what was just settled."""
        spans = requests_of(self.nlu)
        return any(
            understood(s.intent, s.confidence) and s.intent not in ("operator_request", "farewell")
            for s in spans
        )

    def question_last(self) -> None:
        """The open question closes the turn: "shall I cancel it?" followed, in the same turn, by the answer
        to a second request of the message ("... and also where is my lamp") would be easy to miss."""
        plan = self.turn.plan
        index = next((i for i, step in enumerate(plan) if step is self.asked), None)
        if self.pending and index is not None and index < len(plan) - 1:
            plan.append(plan.pop(index))

    def accepts_operator_offer(self, offer: str | bool) -> bool:
        """A bare yes right after a refusal that offered an operator ("An operator can help — just ask." -
        "давайте") is the customer taking the offer: transfer. When the operator was one of several ways
        out ("I can reschedule it, or connect you with an operator"), a bare yes says none of them: ask
        which, and a second yes takes the operator. A bare no is noted. Anything that says more is read
        as usual."""
        if self.pending or self.d.get("task") or self.d.get("flow") or not is_bare_answer(self.nlu.text):
            return False
        answer = self.nlu.entities.get("answer")
        if answer == "yes" and offer == "among_others":
            self.say("transfer_to_operator.which")
            self.d["offered_operator"] = "only"
            return True
        if answer == "yes":
            self.escalate(
                "customer_request", escalation_policy.request_priority(self.tier, self.nlu.sentiment.anger)
            )
            return True
        if answer == "no":
            self.say("transfer_to_operator.declined")
            return True
        return False

    def update_streaks(self) -> None:
        nlu = self.nlu
        angry = nlu.sentiment.anger >= escalation_policy.ANGRY
        self.d["anger_streak"] = int(self.d.get("anger_streak", 0)) + 1 if angry else 0
        self.d["angry"] = angry

    # ------------------------------------------------------------------ pending confirmation
    def on_pending(self) -> bool:
        pending = self.pending[0]
        if pending.get("kind") == "code_word":
            return self.on_code_word(pending)
        reading = read_confirmation(self.nlu.entities, pending["params"], self.nlu.text)
        action = pending["action"]
        if reading.verdict == "correct" and self.requests_other_action(action):
            # "move the kettle's delivery" to "shall I return the headphones?" names a product, but it is a
            # new request, not a correction of the return: served below as one, and the question asked again
            reading = read_confirmation({}, pending["params"])
        if reading.verdict == "yes":
            return self.accept_pending(pending)
        declines_for_another = action != "transfer_to_operator" and self.requests_other_action(action)
        if reading.verdict == "no" and declines_for_another:
            # "actually no, keep it, just change the address to ...": declined, and the new request served
            self.pending = []
            self.d["expecting"] = None
            self.say("confirm.declined_then", **pending["params"])
            return False
        if reading.verdict == "no":
            self.pending = []
            self.d["expecting"] = None
            self.say(
                f"{action}.declined" if action == "transfer_to_operator" else "confirm.declined",
                **pending["params"],
            )
            self.resume_suspended()
            return True
        if reading.verdict == "correct":
            params = dict(pending["params"])
            previous = {slot: params.pop(slot) for slot in reading.corrected if slot in params}
            self.pending = []
            task = {"id": pending["id"], "intent": pending.get("intent"), "action": action, "params": params}
            if previous:
                task["previous"] = previous  # "ой нет, дом 7" corrects the address just read back
            entities = self.nlu.entities
            if "reason" in previous and not REPLACES_REASON.search(self.nlu.text):
                # more of the problem ("the left one has no sound too"): kept with what was said before
                entities = {**entities, "reason": f"{previous['reason']}; {entities['reason']}"}
            self.continue_task(task, entities=entities)
            return True
        if self.requests_pending_action(action):
            return self.accept_pending(pending)
        if self.leaves():
            # "thanks, bye" to an open question: the customer is leaving; nothing runs and nothing is asked
            self.pending = []
            self.d["expecting"] = None
            if action != "transfer_to_operator":
                self.say("confirm.declined_on_leaving", **pending["params"])
            return False
        # unclear: a confident new request is served, then the question is asked again — except our own offer
        # of an operator, made because the conversation had lost its thread: a clear request picks it up again
        # (a question about the very action asked about — "what happens if I cancel?" — is no new request: the
        # question is asked again, which says what it does, instead of a second task for the same action)
        if any(
            is_topic_switch(s.intent, s.confidence, None) and not self.runs_action(s.intent, action)
            for s in self.nlu.spans or []
        ):
            if action == "transfer_to_operator" and pending["params"].get("reason") != "customer_request":
                self.pending = []
                self.d["expecting"] = None
            return False
        self.d["misunderstood_streak"] = int(self.d.get("misunderstood_streak", 0)) + 1
        # a question about what is being confirmed ("no wait, how much per day?") gets no "is that a yes
        # or a no?": the read-back below holds all there is to know
        self.say("confirm.unclear_question" if ASKS.search(self.nlu.text) else "confirm.unclear")
        self.ask_pending()
        return True

    def accept_pending(self, pending: dict[str, Any]) -> bool:
        self.pending = []
        self.d["expecting"] = None
        action = pending["action"]
        if action == "transfer_to_operator":
            self.escalate(pending["params"].get("reason", "customer_request"), pending["params"]["priority"])
            return True
        if pending.get("kind") == "start":  # an offer to start: ask what it still needs, then read it back
            task = {"id": pending["id"], "intent": pending.get("intent"), "action": action}
            self.continue_task({**task, "params": dict(pending["params"])}, entities=self.nlu.entities)
            return True
        self.run_action(action, pending["params"], pending["id"])
        self.finish_task(pending)
        if ends := self.rt.actions[action].ends_flows:
            suspended = self.d.get("suspended") or []
            self.d["suspended"] = [i for i in suspended if (i.get("flow") or {}).get("name") not in ends]
        self.resume_suspended()
        return True

    def requests_pending_action(self, action: str) -> bool:
        """ "ok, send me the link" to "shall I send you a payment link?": a clear request for the very action
        the question proposes, with nothing changed, is a yes. A question about it ("what happens if I
        cancel?") is not."""
        spans = self.nlu.spans or []
        if len(spans) != 1 or spans[0].confidence < SWITCH_TOPIC_FROM or ASKS.search(self.nlu.text):
            return False
        route = self.route_for(spans[0].intent)
        # "the left one has no sound too" to "shall I start the return?" tells more of the problem; it
        # asks for nothing, so it confirms nothing
        return route is not None and route.action == action and not route.describes_problem

    def requests_other_action(self, action: str) -> bool:
        """The message is clearly a request for something other than `action` (a different action or flow)."""
        for span in self.nlu.spans or []:
            if not is_topic_switch(span.intent, span.confidence, None):
                continue
            route = self.route_for(span.intent)
            if route is not None and (route.action or route.flow) and route.action != action:
                return True
        return False

    def runs_action(self, intent: str, action: str) -> bool:
        route = self.route_for(intent)
        return route is not None and route.action == action

    def ask_pending(self) -> None:
        """Asks the open question: yes/no with quick replies, or the code word (never with hints)."""
        pending = self.pending[0]
        if pending.get("kind") == "code_word":
            self.say(f"{pending['action']}.ask_code_word", **pending["params"])
            self.d["expecting"] = "code_word"
        else:
            yes, no = self.rt.nlg.quick_yes_no(self.turn)
            wording = "offer" if pending.get("kind") == "start" else "confirm"
            self.say(f"{pending['action']}.{wording}", [yes, no], **pending["params"])
            self.d["expecting"] = "answer"
        self.asked = self.turn.plan[-1]

    def ask_code_word(self, task: dict[str, Any]) -> None:
        self.pending = [open_question(task, "code_word")]
        self.ask_pending()

    def on_code_word(self, pending: dict[str, Any]) -> bool:
        """The answer to "what is your code word?": the attempt is an action run; the action layer checks
        the word (never the dialogue), and the act node re-arms the question if the attempt fails."""
        entities = self.nlu.entities
        if entities.get("forgot_code_word"):
            self.pending = []
            self.d["expecting"] = None
            self.say(f"{pending['action']}.forgot")
            self.note_operator_offer(f"{pending['action']}.forgot")  # "an operator can check who you are"
            return True
        if self.leaves():
            # "спасибо" after a wrong code word: the customer leaves; the question is not kept to come back
            # after their next, unrelated, request
            self.pending = []
            self.d["expecting"] = None
            return False
        top = self.nlu.spans[0] if self.nlu.spans else None
        if not entities.get("code_word") or (
            top is not None
            and top.intent != pending.get("intent")
            # a code word is free text ("ромашка" can look like anything to the classifier)
            and top.confidence >= FREE_TEXT_SWITCH_FROM
            and is_topic_switch(top.intent, top.confidence, pending.get("intent"))
        ):
            self.pending = []
            self.d["expecting"] = None
            self.suspend({"task": {k: pending[k] for k in ("id", "intent", "action", "params")}})
            return False
        self.pending = []
        self.d["expecting"] = None
        key = f"{self.turn.message.session_id}:{pending['id']}:{self.next_id()}"
        self.turn.plan.append(
            Step(
                action=pending["action"],
                params=dict(pending["params"]),
                idempotency_key=key,
                retry_pending=pending,
            )
        )
        return True

    # ------------------------------------------------------------------ flows
    def on_flow(self) -> bool:
        active = self.d["flow"]
        flow = self.rt.flows.get(active["name"])
        if flow is None:
            self.d["flow"] = None
            return False
        top = self.nlu.spans[0] if self.nlu.spans else None
        if (
            top is not None
            and top.intent != active.get("intent")
            and is_topic_switch(top.intent, top.confidence, active.get("intent"))
            # a yes/no answers the flow's yes/no question ("yes roaming is on" to "did that help?"), a bare
            # one any question; "давайте мастера" (yes-word and all) to "which number?" is a request
            and not (
                "answer" in self.nlu.entities
                and (self.d.get("expecting") == "answer" or is_bare_answer(self.nlu.text))
            )
            and not self.flow_answered(flow, active)
            and self.route_for(top.intent) is not None
        ):
            self.suspend({"flow": active})
            self.d["flow"] = None
            return False
        step = flow.on_message(self.env, self.nlu, active.get("state") or {})
        self.apply_flow_step(active["name"], step, intent=active.get("intent"))
        return True

    def reopens_flow(self, ended: dict[str, Any]) -> bool:
        """The message right after a flow ended takes it up again, if the flow says so (`Flow.reopen`)."""
        flow = self.rt.flows.get(ended["name"])
        reopen = getattr(flow, "reopen", None)
        if reopen is None or self.pending or self.d.get("flow") or self.d.get("task"):
            return False
        step = reopen(self.env, self.nlu, ended.get("state") or {})
        if step is None:
            return False
        self.current_intent = ended.get("intent")
        self.apply_flow_step(ended["name"], step, intent=ended.get("intent"))
        return True

    def flow_answered(self, flow: Any, active: dict[str, Any]) -> bool:
        """The flow recognises the message as the answer to its open question (optional `answers`)."""
        answers = getattr(flow, "answers", None)
        return bool(answers is not None and answers(self.nlu, active.get("state") or {}))

    def start_flow(self, name: str, intent: str, params: dict[str, Any]) -> None:
        flow = self.rt.flows[name]
        step = flow.start(self.env, self.nlu, params)
        self.apply_flow_step(name, step, intent=intent)

    def apply_flow_step(self, name: str, step: FlowStep, intent: str | None) -> None:
        for reply in step.replies:
            self.turn.plan.append(Step(reply=reply))
        for action, params in step.run:
            self.run_action(action, params)
        self.d["expecting"] = step.expecting
        if step.confirm is not None:
            action, params = step.confirm
            spec = self.rt.actions[action]
            pid = self.next_id()
            task = {"id": pid, "intent": intent, "action": action, "params": params}
            self.d["flow"] = None
            if spec.confirmation == "code_word":
                self.ask_code_word(task)
            else:
                self.ask_confirmation(task)
        elif step.state is not None:
            self.d["flow"] = {"name": name, "state": step.state, "intent": intent}
            self.remember_params(step.state)  # the number (or order) the flow is about is the one in focus
        else:
            self.d["flow"] = None
            if step.linger is not None:
                self.d["ended_flow"] = {"name": name, "state": step.linger, "intent": intent}
        if step.escalate is not None:
            self.escalate(*step.escalate)
            return
        if step.state is None and step.confirm is None and self.d.get("flow") is None:
            self.resume_suspended()

    # ------------------------------------------------------------------ tasks and slots
    def on_task(self) -> bool:
        task = self.d["task"]
        missing = task.get("missing")
        top = self.nlu.spans[0] if self.nlu.spans else None
        entities = self.nlu.entities
        if (
            missing == "order_id"
            and self.context is not None
            and not self.context.orders
            and not entities.get("order_id")
        ):
            # "which order?" to a customer with none on file: a message without an order number is something
            # else; the task is dropped rather than kept to come back later about an order that isn't there
            self.d["task"] = None
            self.d["expecting"] = None
            return False
        if missing in NAMED_SLOTS and self.asks_for_another_action_naming(task, missing):
            # "cancel 100301 please" to "which order?" of an address change, "and turn off music streaming"
            # to "which service?" of an activation: what it names is the new request's, which is served; the
            # first task comes back afterwards, asking again (what is in focus by then is the other's)
            task["explicit"] = sorted({*task.get("explicit", ()), missing})
            self.suspend({"task": task})
            self.d["task"] = None
            return False
        if task.get("already_so") and is_acknowledgment(self.nlu.text):
            # "ладно" / "ok" to "which other day?" right after "it is already due that day": it stays so
            self.d["task"] = None
            self.d["expecting"] = None
            self.say("task.left_as_is")
            self.resume_suspended()
            return True
        filled = self.fill_slot(task, missing, entities, expecting=True) if missing else False
        if filled:
            self.continue_task(task, entities)
            return True
        if (missing == "order_id" and any(entities.get(k) for k in REFERENCE_KEYS)) or entities.get("every"):
            # "the kettle one" answers "which order?" even when it fits two orders (or reads like a product
            # question to the classifier): ask again among the orders it fits. "Both" to "which number?" for
            # an action done one number at a time: the resolver says so and asks which first.
            self.continue_task(task, entities)
            return True
        if self.leaves() and not (entities.get("answer") == "yes" and is_bare_answer(self.nlu.text)):
            # "thanks, bye" to "which number?": the customer is leaving; the question is not asked again.
            # A bare "ok, go ahead" agrees and leaves nothing: the question is asked again below.
            self.d["task"] = None
            self.d["expecting"] = None
            return False
        other_action = top is not None and self.asks_other_action(top, task)
        interrupted = top is not None and (
            interrupts_task(top.intent, top.confidence, task.get("intent")) or other_action
        )
        if other_action and self.corrects_the_reading(task):
            # "I moved, can you send my order to my new place?" was read as a new delivery date; to "which
            # day?" the customer gives the new address: that is what was wanted, and the date is not asked
            # for again afterwards
            self.d["task"] = None
            self.d["expecting"] = None
            return False
        if interrupted:
            self.suspend({"task": task})
            self.d["task"] = None
            self.interrupted_task = True
            return False
        if entities.get("answer") == "no" and not any(entities.get(k) for k in REFERENCE_KEYS):
            self.d["task"] = None
            self.d["expecting"] = None
            self.say("task.dropped")
            self.resume_suspended()
            return True
        if not self.fill_other_slots(task, entities):
            self.d["misunderstood_streak"] = int(self.d.get("misunderstood_streak", 0)) + 1
        self.continue_task(task, entities={}, reask=True)
        return True

    def leaves(self) -> bool:
        """The customer is leaving: read as a goodbye, and saying one ("thanks, bye", "всё, спасибо") — a
        classifier's farewell for "ok wait" must not drop the question it answers."""
        return (
            self.nlu.intent == "farewell"
            and self.nlu.confidence >= SWITCH_TOPIC_FROM
            and LEAVING.search(self.nlu.text) is not None
        )

    def asks_other_action(self, top: IntentSpan, task: dict[str, Any]) -> bool:
        """The same intent, another action: "и поменяйте оплату на наличные" while "which order?" is asked
        for a new delivery date is a change of its own, served (and the date's task resumed after it)."""
        if top.intent != task.get("intent") or not understood(top.intent, top.confidence):
            return False
        route = self.route_for(top.intent)
        return route is not None and route.action is not None and route.action != task.get("action")

    def corrects_the_reading(self, task: dict[str, Any]) -> bool:
        """Asked for the detail that makes the change (the day, the address, the payment method), the
        customer asks for another change of the same kind (`asks_other_action`) and does not add it to the
        first: the first request was read as the wrong change, and is replaced rather than set aside to come
        back."""
        missing = task.get("missing")
        return (
            missing is not None
            and missing not in NAMED_SLOTS
            and not ADDS_ANOTHER.search((self.piece or self.nlu).text)
        )

    def asks_for_another_action_naming(self, task: dict[str, Any], slot: str) -> bool:
        """A confident request for another action that names what the task asks for (an order, a number, a
        service): it is not the answer to the waiting question — unless the request describes the problem
        the task is about ("100301 never arrived" to "which order?" of a complaint)."""
        top = self.nlu.spans[0] if self.nlu.spans else None
        if (
            top is None
            or not (top.entities or {}).get(NAMED_SLOTS[slot])
            or top.confidence < FREE_TEXT_SWITCH_FROM
            or not is_topic_switch(top.intent, top.confidence, task.get("intent"))
        ):
            return False
        route = self.route_for(top.intent)
        if route is None or route.action is None or route.action == task.get("action"):
            return False
        describes = any(slot in DESCRIPTION_SLOTS for slot in self.rt.actions[task["action"]].slots)
        return not (describes and route.describes_problem)

    def fill_other_slots(self, task: dict[str, Any], entities: dict[str, Any]) -> bool:
        """Keeps what the message gives for the task's other slots (the new address while the order is
        still being asked for): any later message may carry any detail. True if something was kept."""
        spec = self.rt.actions[task["action"]]
        kept = False
        for slot in spec.slots:
            if slot == task.get("missing") or slot in task["params"] or slot not in self.rt.resolvers:
                continue
            answer = self.rt.resolvers[slot](self.query(slot, entities, False, task))
            if answer.value is not None:
                answer.apply(slot, task["params"])
                kept = True
        return kept

    def fill_slot(self, task: dict[str, Any], slot: str, entities: dict[str, Any], expecting: bool) -> bool:
        resolver = self.rt.resolvers.get(slot)
        if resolver is None:
            return False
        if expecting and slot in FREE_TEXT_SLOTS:
            # A free-text answer ("it leaks", an address) cannot be told apart from a new request by its
            # entities; a clearly different request wins.
            top = self.nlu.spans[0] if self.nlu.spans else None
            if (
                top is not None
                and top.confidence >= FREE_TEXT_SWITCH_FROM
                and is_topic_switch(top.intent, top.confidence, task.get("intent"))
                and not (slot in DESCRIPTION_SLOTS and self.describes_problem(top.intent))
                and not self.answers_rather_than_asks(top.intent)
            ):
                return False
        answer = resolver(self.query(slot, entities, expecting, task))
        if answer.value is None:
            return False
        answer.apply(slot, task["params"])
        task["explicit"] = [s for s in task.get("explicit", ()) if s != slot]
        return True

    def answers_rather_than_asks(self, intent: str) -> bool:
        """A "question" that asks nothing: "the lid leaks" to "why would you like to return it?" reads as a
        question about the product, yet has no question in it — it is the answer. Only intents answered with
        a reply qualify; a request for an action is a request however it is put."""
        route = self.route_for(intent)
        asks = ASKS.search((self.piece or self.nlu).text)
        return route is not None and route.reply is not None and not asks

    def query(self, slot: str, entities: dict[str, Any], expecting: bool, task: dict[str, Any]) -> SlotQuery:
        assert self.context is not None
        return SlotQuery(
            slot=slot,
            entities=entities,
            text=(self.piece or self.nlu).text,
            context=self.context,
            dialog=self.d,
            expecting=expecting,
            explicit=slot in task.get("explicit", ()),
            action=str(task.get("action") or ""),
            intent=str(task.get("intent") or ""),
            params=task["params"],
            previous=(task.get("previous") or {}).get(slot),
        )

    def start_task(
        self, intent: str, action: str, entities: dict[str, Any], prefaced: str | None = None
    ) -> None:
        # What the request names is in focus from now on, even while another detail is asked for first:
        # "connect roaming" -> "which number?" -> "how much is it?" is about roaming.
        named = {"order_id": entities.get("order_id"), "msisdn": entities.get("msisdn")}
        self.remember_params({**named, "service_code": entities.get("service")})
        task = {"id": self.next_id(), "intent": intent, "action": action, "params": self.superseded(action)}
        if prefaced:
            task["prefaced"] = prefaced  # not said a second time if the order's answer keeps the same route
        if callable(self.rt.routes.get(intent)) and "order_id" not in entities:
            task["said"] = (self.piece or self.nlu).text[
                :2000
            ]  # the route may change once the order is known
        self.continue_task(task, entities)

    def superseded(self, action: str) -> dict[str, Any]:
        """A request for an action already set aside unfinished replaces it, rather than leaving it to come
        back as a second one: what the earlier one was told is kept unless this one names other orders or
        numbers (then it starts afresh)."""
        kept: dict[str, Any] = {}
        remaining = []
        for item in self.d.get("suspended") or []:
            earlier = item.get("task")
            if earlier is None or earlier.get("action") != action or earlier.get("ask_again"):
                remaining.append(item)
                continue
            params = earlier.get("params") or {}
            named = self.nlu.entities
            if not any(
                named.get(k) and params.get(k) and named[k] != params[k] for k in ("order_id", "msisdn")
            ):
                kept = dict(params)
        self.d["suspended"] = remaining
        return kept

    def reroute(self, task: dict[str, Any]) -> None:
        """A route chosen before the order was known, chosen again once it is: "my parcel never arrived" ->
        which order? -> "100690", delivered: a complaint to investigate, not the order's status. The new
        action keeps the parameters it takes; its description is what the customer said first."""
        said = task.pop("said")
        route = self.rt.routes[str(task["intent"])]  # a callable route: start_task kept `said` only then
        assert self.context is not None and callable(route)
        # the route reads what was first said ("the courier was rude ..."), not the answer ("the iron")
        first = dataclasses.replace(self.nlu, text=said)
        chosen = route(first, {**self.d, "focus_order_id": task["params"]["order_id"]}, self.context)
        if not chosen.action or chosen.action == task["action"]:
            return
        spec = self.rt.actions[chosen.action]
        task["params"] = {k: v for k, v in task["params"].items() if k in (*spec.slots, *spec.optional_slots)}
        if "text" in spec.slots:
            task["params"]["text"] = said
        task["action"] = chosen.action
        if chosen.preface and chosen.preface != task.get("prefaced") and not self.d.get("angry"):
            self.say(chosen.preface)  # "I'm sorry the refund hasn't reached you ..." before the ticket

    def continue_task(self, task: dict[str, Any], entities: dict[str, Any], reask: bool = False) -> None:
        if "said" in task and "order_id" in task["params"]:
            self.reroute(task)
        spec = self.rt.actions[task["action"]]
        # what earlier messages of this task said counts until it is used: "top up 300" -> "which number?" ->
        # "the first one" still tops up 300; this message's own entities win over them
        entities = {**task.get("said_entities", {}), **entities}
        for slot in (*spec.slots, *spec.optional_slots):
            if slot in task["params"]:
                continue
            answer = self.rt.resolvers[slot](self.query(slot, entities, False, task)) if not reask else None
            if answer is not None and answer.value is not None:
                answer.apply(slot, task["params"])
                continue
            if slot in spec.optional_slots:
                continue
            if not reask and (refusal := self.refusal_so_far(spec, task["params"])) is not None:
                self.refuse(task, spec, refusal)
                return
            if answer is None:
                # asked again: among what the task's earlier messages narrowed it to ("the kettle": two
                # orders, not all five), never by this message, which did not answer
                answer = self.rt.resolvers[slot](self.query(slot, entities, False, task))
            if answer.dead_end and answer.ask is not None:
                self.say(answer.ask.key, **answer.ask.vars)
                self.d["task"] = None
                self.d["expecting"] = None
                self.resume_suspended()
                return
            ask = answer.ask or Reply(f"ask.{slot}")
            if reask:
                self.say("task.still_need")
            self.turn.plan.append(
                Step(reply=Reply(ask.key, {**task["params"], **ask.vars}, ask.quick_replies))
            )
            task["missing"] = slot
            task["said_entities"] = {k: v for k, v in entities.items() if k not in NOT_CARRIED}
            self.d["task"] = task
            self.d["expecting"] = slot
            return
        if "said" in task and "order_id" in task["params"]:
            # the order was found without a question (the only one that fits): the route is chosen again
            # for it, as after an answer ("деньги так и не пришли" -> the one cancelled order -> a ticket)
            action = task["action"]
            self.reroute(task)
            if task["action"] != action:
                self.continue_task(task, entities)
                return
        task.pop("missing", None)
        self.d["task"] = None
        self.d["expecting"] = None
        params = task["params"]
        if spec.check is not None:
            verdict = spec.check(self.env, params)
            if not verdict.success:
                self.refuse(task, spec, verdict)
                return
            params.update(verdict.params)
        self.remember_params(params)
        if spec.confirmation == "required" or task.pop("ask_again", False):
            self.ask_confirmation(task)
            return
        if spec.confirmation == "code_word":
            self.ask_code_word(task)
            return
        self.run_action(spec.name, params, task["id"])
        self.finish_task(task)
        self.resume_suspended()

    def refusal_so_far(self, spec: ActionSpec, params: dict[str, Any]) -> Outcome | None:
        """The action's check on the slots known so far, before the customer is asked for the next one.

        An order that cannot be returned is said before "why do you want to return it?", not after the
        customer has explained. A failure about a slot not given yet (its `retry_slot` is still missing)
        is no verdict: that slot is what is about to be asked.
        """
        if spec.check is None or not any(slot in params for slot in spec.slots):
            return None
        verdict = spec.check(self.env, dict(params))
        if verdict.success or verdict.data.get("retry_slot") in set(spec.slots) - params.keys():
            return None
        return verdict

    def refuse(self, task: dict[str, Any], spec: ActionSpec, verdict: Outcome) -> None:
        """Says why the action cannot run; asks again for the slot at fault, if any (at most 3 times)."""
        params = task["params"]
        retry = verdict.data.get("retry_slot")
        self.say(f"{spec.name}.error.{verdict.error}", **{**params, **verdict.data})
        self.d["last_refusal"] = {
            "key": f"{spec.name}.error.{verdict.error}",
            "vars": {**params, **verdict.data},
        }
        if retry and len(task.setdefault("retries", [])) < 3:
            if verdict.data.get("already_so"):
                task["already_so"] = True
            task["retries"].append(retry)
            params.pop(retry, None)
            task["explicit"] = sorted({*task.get("explicit", ()), retry})
            self.continue_task(task, entities={})
            return
        task.pop("missing", None)
        self.d["task"] = None
        self.d["expecting"] = None
        # A refusal worded with an operator offer ("An operator can help — just ask"): a bare yes takes it;
        # one that offers the operator among other ways out makes a bare yes ask which (see
        # `accepts_operator_offer`). "Voicemail isn't on, nothing to turn off" offers nothing, and a yes to
        # it is no request for a human.
        self.note_operator_offer(f"{spec.name}.error.{verdict.error}")
        self.remember_params(params)  # "it is already on" still tells which number and service "it" is
        self.remember_last_task(task)
        if (
            verdict.offer
            and not self.pending
            and not self.d.get("flow")
            and not self.set_aside(verdict.offer)
        ):
            # the refusal knows what would help instead ("not locked, but in the red": a top-up link); an
            # offer to `start` an action that still needs the customer's answers ("I can start a return
            # for you": which items, why) opens its task on a yes instead of running it
            offer = verdict.offer
            self.ask_confirmation(
                {
                    "id": self.next_id(),
                    "intent": None,
                    "action": offer["action"],
                    "params": dict(offer["params"]),
                },
                kind="start" if offer.get("start") else "yes_no",
            )
            return
        self.resume_suspended()

    def set_aside(self, offer: dict[str, Any]) -> bool:
        """Whether the offered action is already a task set aside unfinished ("unlock it" was waiting for
        the code word when "add roaming" came): it comes back by itself, offering it again would be a
        second question about the same thing."""
        for item in self.d.get("suspended") or []:
            earlier = item.get("task") or {}
            said = earlier.get("params") or {}
            if earlier.get("action") == offer["action"] and all(
                said.get(k) == v for k, v in offer["params"].items()
            ):
                return True
        return False

    def note_operator_offer(self, key: str) -> None:
        """Remembers, for the very next message, that the reply worded by `key` offered an operator."""
        operator = self.rt.nlg.offers_operator(key, self.turn.language or "en")
        if operator:
            self.d["offered_operator"] = operator

    def ask_confirmation(self, task: dict[str, Any], kind: str = "yes_no") -> None:
        for earlier in self.pending:  # a newer request outranks an unanswered question; keep it for later
            if earlier["id"] != task["id"] and earlier.get("kind") == "yes_no":
                kept = {k: earlier[k] for k in ("id", "intent", "action", "params")}
                # it was a question: when it comes back it is asked again, even for an action that needs no
                # confirmation of its own (an offer like "shall I send you a payment link?")
                self.suspend({"task": {**kept, "ask_again": True}})
        self.pending = [open_question(task, kind)]
        self.ask_pending()

    def finish_task(self, task: dict[str, Any]) -> None:
        self.remember_last_task(task)
        self.d["misunderstood_streak"] = 0

    def remember_last_task(self, task: dict[str, Any]) -> None:
        """For "no, I meant the other one" and for a complaint said again: the task just done or refused."""
        self.d["last_task"] = {k: task.get(k) for k in ("intent", "action", "params")}

    def suspend(self, item: dict[str, Any]) -> None:
        suspended = [*self.d.get("suspended", []), item]
        self.d["suspended"] = suspended[-MAX_SUSPENDED:]

    def resume_suspended(self) -> None:
        if self.pending or self.d.get("task") or self.d.get("flow"):
            return
        suspended = list(self.d.get("suspended") or [])
        if not suspended:
            return
        item = suspended.pop()
        self.d["suspended"] = suspended
        if "task" in item:
            task = item["task"]
            self.say("task.resume", action=task["action"], **task["params"])
            self.continue_task(task, entities={})
        elif "start" in item:
            start = item["start"]
            self.say("task.resume_request")  # the customer said it turns ago: say which thing comes now
            self.current_intent = start["intent"]
            self.serve_piece(start["intent"], start.get("text") or self.nlu.text, start["entities"])
        elif "flow" in item:
            self.d["flow"] = item["flow"]
            flow = self.rt.flows[item["flow"]["name"]]
            self.say("flow.resume", flow=item["flow"]["name"])
            resume = getattr(flow, "resume", None)
            if resume is not None:
                self.apply_flow_step(
                    item["flow"]["name"],
                    resume(self.env, item["flow"].get("state") or {}),
                    intent=item["flow"].get("intent"),
                )

    # ------------------------------------------------------------------ new requests
    def route_for(self, intent: str) -> IntentRoute | None:
        route = self.rt.routes.get(intent)
        if route is None:
            return None
        if callable(route):
            assert self.context is not None
            return route(self.piece or self.nlu, self.d, self.context)
        return route

    def describes_problem(self, intent: str) -> bool:
        route = self.route_for(intent)
        return route is not None and route.describes_problem

    def on_new_request(self) -> None:
        nlu = self.nlu
        last_intent = (self.d.get("last_task") or {}).get("intent")
        follows = is_follow_up(nlu, last_intent) and not self.words_another_action()
        if follows or self.redirects_last_task(last_intent):
            if self.on_correction():  # redoes the last task for the order this message names, if it names one
                return
        spans = requests_of(nlu)
        # "а как тогда быть?" reads as a goodbye to the classifier; a goodbye that takes no leave and asks
        # something is a question it could not place
        spans = [
            s for s in spans if s.intent != "farewell" or LEAVING.search(s.text) or not ASKS.search(s.text)
        ]
        # nor is a "greeting" that greets with no word: "the headphones" right after a status answer
        spans = [s for s in spans if s.intent != "greeting" or GREETS.search(s.text)]
        if not any(understood(s.intent, s.confidence) for s in spans):
            if self.on_correction() or self.acknowledged() or self.follows_last_answer():
                return
            self.not_understood()
            return
        self.d["misunderstood_streak"] = 0
        served = [s for s in spans if understood(s.intent, s.confidence)]
        if len(served) == 1 and len(spans) == 1 and (other := self.fitting_alternative(served[0].intent)):
            served = [IntentSpan(other, served[0].confidence, served[0].text, served[0].entities)]
        if any((r := self.route_for(s.intent)) is not None and r.takes_problem for s in served):
            served = [s for s in served if not self.describes_problem(s.intent)]
        served = self.without_repeats(
            served, entities_of=lambda s: s.entities if len(spans) > 1 else nlu.entities
        )
        pieces = [
            piece
            for span in served
            for piece in self.each_order(span, span.entities if len(spans) > 1 else nlu.entities)
        ]
        waiting: list[dict[str, Any]] = []
        for index, (span, entities) in enumerate(pieces):
            route = self.route_for(span.intent)
            if (
                index
                and route is not None
                and (route.flow or route.describes_problem or self.asks_before_acting(route))
                and (self.pending or self.d.get("task") or self.d.get("flow"))
            ):
                # one question at a time: a second request that runs a flow or asks before it acts waits
                # for the first one's question to be settled, and starts then (two read-backs in one reply
                # leave a "yes" meaning either); so does a complaint after a question still open ("ГДЕ МОЙ
                # ЗАКАЗ?! уже две недели жду" - "which order?"): filed now, it would miss the very order
                # the customer is about to name
                waiting.append({"intent": span.intent, "entities": entities, "text": span.text[:2000]})
                continue
            self.current_intent = span.intent
            self.serve_piece(span.intent, span.text, entities, alone=len(pieces) == 1)
        for item in reversed(waiting):  # the suspended are a stack: the first said comes back first
            self.suspend({"start": item})

    def serve_piece(self, intent: str, text: str, entities: dict[str, Any], *, alone: bool = False) -> None:
        """Serves one request of a message (`alone`: the whole message is this one request)."""
        self.piece = None if alone else dataclasses.replace(self.nlu, text=text, entities=entities)
        try:
            self.serve_intent(intent, entities)
        finally:
            self.piece = None

    def each_order(
        self, span: IntentSpan, entities: dict[str, Any]
    ) -> list[tuple[IntentSpan, dict[str, Any]]]:
        """ "cancel 100234 and 100260": one request about a list of orders is that request for each of
        them, in the order said (the action takes one order)."""
        ids = entities.get("order_ids") or []
        if len(ids) < 2 or not self.needs(span.intent, "order_id") or not listed_together(span.text, ids):
            return [(span, entities)]
        return [(span, {**entities, "order_id": one, "order_ids": [one]}) for one in ids]

    def asks_before_acting(self, route: IntentRoute) -> bool:
        spec = self.rt.actions.get(route.action) if route.action else None
        return spec is not None and spec.confirmation != "none"

    def without_repeats(
        self, spans: list[IntentSpan], entities_of: Callable[[IntentSpan], dict[str, Any]]
    ) -> list[IntentSpan]:
        """ "ГДЕ МОЙ УТЮГ??? курьер обещал вчера": two pieces, one status to look up — looked up once. A piece
        that runs the same action as another and names nothing is about what the other named; two that
        name the same thing are one."""
        keyed = []
        for span in spans:
            route = self.route_for(span.intent)
            entities = entities_of(span)
            about = next((entities[k] for k in (*REFERENCE_KEYS, "msisdn") if entities.get(k)), None)
            keyed.append((span, route.action if route is not None else None, about))
        kept = []
        for i, (span, action, about) in enumerate(keyed):
            same = [(j, b) for j, (_, a, b) in enumerate(keyed) if j != i and action and a == action]
            if any(b is not None for _, b in same) and about is None:
                continue
            if any(j < i and b == about for j, b in same):
                continue
            kept.append(span)
        return kept

    def follows_last_answer(self) -> bool:
        """A message the classifier places nowhere may still be about what was just answered: "can I pay for
        my order with them?" right after the loyalty points were told. A pack's route for `out_of_scope` reads
        it by that answer (`previous_answer`); it returns nothing for anything else."""
        if self.route_for(OUT_OF_SCOPE) is None:
            return False
        self.serve_intent(OUT_OF_SCOPE, self.nlu.entities)
        return True

    def fitting_alternative(self, intent: str) -> str | None:
        """A request about orders from a customer with none on file, when the runner-up is a request that
        needs none: "а можно перенести визит на вторник?" reads as rescheduling a delivery (0.86) before a
        technician visit (0.14), and only the visit exists; likewise a request about a phone number from a
        customer with none. None when the reading stands (a customer with no phone numbers is then told so:
        `SlotAnswer.dead_end`)."""
        if self.context is None:
            return None
        if not self.context.subscribers and self.needs(intent, "msisdn"):
            # the same the other way: "how long until I get my money?" right after a return reads as a balance
            # question (0.49) before a payment one (0.23), from a customer with no phone number
            return self.alternative_without(intent, "msisdn")
        if self.context.orders or not self.needs(intent, "order_id"):
            return None
        if (other := self.alternative_without(intent, "order_id")) is not None:
            return other
        # "а можно перенести на понедельник?" right after a technician visit was booked: the visit, which
        # needs no order, is what "move it" is about
        last = str((self.d.get("last_task") or {}).get("intent") or "")
        if (
            intent == "order_change"
            and last
            and self.route_for(last) is not None
            and not self.needs(last, "order_id")
        ):
            return last
        return None

    def alternative_without(self, intent: str, slot: str) -> str | None:
        """The classifier's runner-up that is meaningful and needs no such slot, if any."""
        for alternative in self.nlu.alternatives[:2]:
            if (
                alternative.intent in {OUT_OF_SCOPE, intent}
                or alternative.confidence < MEANINGFUL_ALTERNATIVE
            ):
                continue
            if self.route_for(alternative.intent) is not None and not self.needs(alternative.intent, slot):
                return alternative.intent
        return None

    def needs(self, intent: str, slot: str) -> bool:
        route = self.route_for(intent)
        spec = self.rt.actions.get(route.action) if route is not None and route.action else None
        return spec is not None and slot in spec.slots

    def serve_intent(self, intent: str, entities: dict[str, Any]) -> None:
        route = self.route_for(intent)
        if route is None:
            self.say(f"intent.{intent}")
            return
        if route.preface and not self.d.get("angry"):
            # An angry customer's replies open with the tone's apology (see nodes.respond); a second
            # "I'm so sorry" right after it reads like a script.
            self.say(route.preface)
        if route.action:
            self.start_task(intent, route.action, entities, prefaced=route.preface)
        elif route.flow:
            self.start_flow(route.flow, intent, {})
        elif route.reply:
            named = entities.get("order_id")
            if named and self.context is not None and any(o.id == named for o in self.context.orders):
                # "pay for 100260 with my points" is answered with the rule; "cash then" is about 100260
                self.remember_params({"order_id": named})
            self.say(route.reply, history=(self.context.history if self.context else []), **route.reply_vars)
            self.d["answered"] = route.reply
            self.note_operator_offer(
                route.reply
            )  # "... an operator can help — shall I connect you?" -> "yes"

    def words_another_action(self) -> bool:
        """ "и перенесите доставку 100410" right after an address change: the same kind of request, but its
        words choose another of its actions (a new day, not the address again for that order)."""
        last = self.d.get("last_task") or {}
        if self.nlu.intent != last.get("intent"):
            return False
        route = self.route_for(self.nlu.intent)
        return route is not None and route.action is not None and route.action != last.get("action")

    def redirects_last_task(self, last_intent: str | None) -> bool:
        """ "Actually no wait, make it the kettle instead" right after a return was refused: the last request,
        for another order — unless the message clearly asks for some other action of its own."""
        if not last_intent or not REDIRECTS.search(self.nlu.text):
            return False
        intent, confidence = self.nlu.intent, self.nlu.confidence
        return intent in (last_intent, "order_change", OUT_OF_SCOPE) or confidence < SWITCH_FROM_CORRECTION

    def on_correction(self) -> bool:
        """ "No, I meant the other one": redo the last task with a different reference."""
        last = self.d.get("last_task")
        entities = self.nlu.entities
        if (
            last
            and "amount" in last["params"]
            and (amount := new_amount(self.nlu.text, entities)) is not None
        ):
            # "нет, лучше 300" right after a 200 top-up link: the same again, for that amount
            params = {k: v for k, v in last["params"].items() if k not in {"amount", "amount_currency"}}
            self.redo(last, {**params, **amount}, entities)
            return True
        if not last or not any(entities.get(k) for k in (*REFERENCE_KEYS, "msisdn", "every")):
            return False
        # what a reference can point at is asked again; the rest of the task ("the service to turn on") stays
        self.redo(
            last, {k: v for k, v in last["params"].items() if k not in {"order_id", "msisdn"}}, entities
        )
        return True

    def redo(self, last: dict[str, Any], params: dict[str, Any], entities: dict[str, Any]) -> None:
        """The last task again, as a new task with these parameters."""
        task = {
            "id": self.next_id(),
            "intent": last.get("intent"),
            "action": last["action"],
            "params": params,
        }
        self.current_intent = last.get("intent")
        self.continue_task(task, entities)

    def acknowledged(self) -> bool:
        """ "ok", "got it", "no" when no question is open: the customer took the last answer in. Nothing was
        misunderstood, so it does not count towards an operator offer; the reply leaves the door open."""
        answer = self.nlu.entities.get("answer")
        if self.d.get("expecting") or not is_acknowledgment(self.nlu.text):
            return False
        self.d["misunderstood_streak"] = 0  # back on track
        self.say("acknowledged.nothing_else" if answer == "no" else "acknowledged.ok")
        return True

    def not_understood(self) -> None:
        if self.previous_refusal and ASKS_WHY.match(self.nlu.text):
            # "why?" right after "it can't be returned": the reason again, with what can be done instead
            self.say(self.previous_refusal["key"], **self.previous_refusal["vars"])
            return
        if self.operator_just_offered and ASKS.search(self.nlu.text) and not self.pending:
            # "what do I do then?" right after "an operator can check who you are": that way, as a question
            priority = escalation_policy.request_priority(self.tier, self.nlu.sentiment.anger)
            self.ask_confirmation(
                {
                    "id": self.next_id(),
                    "intent": "operator_request",
                    "action": "transfer_to_operator",
                    "params": {"reason": "customer_request", "priority": priority},
                }
            )
            return
        self.d["misunderstood_streak"] = int(self.d.get("misunderstood_streak", 0)) + 1
        alternatives = [a.intent for a in self.nlu.alternatives[:2] if a.intent != "out_of_scope"]
        if self.nlu.needs_clarification and len(alternatives) == 2:
            labels = [self.rt.nlg.intent_label(self.turn, a) for a in alternatives]
            self.say("clarify.which", labels, options=labels)
            return
        words = len(re.findall(r"\w+", self.nlu.text))
        if self.nlu.intent == "out_of_scope" and self.nlu.confidence >= CLEARLY_OUT_OF_SCOPE and words >= 3:
            # understood well enough to know it is not ours ("what's the weather tomorrow?"): said so plainly,
            # not "sorry, I didn't understand"; it still counts, so a customer we keep failing gets a person
            self.say("intent.out_of_scope")
            return
        self.say("fallback.not_understood")

    # ------------------------------------------------------------------ mood and escalation
    def after_mood(self) -> None:
        if self.state.get("escalated") or any(s.action == "transfer_to_operator" for s in self.turn.plan):
            return
        advice = escalation_policy.advise(
            self.tier,
            int(self.d.get("anger_streak", 0)),
            int(self.d.get("misunderstood_streak", 0)),
            bool(self.d.get("offered_human")),
        )
        if advice.transfer:
            self.withdraw_question()
            self.escalate(advice.reason, advice.priority)
        elif advice.offer_human and not self.pending:
            self.d["offered_human"] = True
            params = {"reason": advice.reason, "priority": advice.priority}
            self.ask_confirmation(
                {
                    "id": self.next_id(),
                    "intent": "operator_request",
                    "action": "transfer_to_operator",
                    "params": params,
                }
            )

    def withdraw_question(self) -> None:
        """Takes this turn's re-asked question (and the "was that a yes or a no?" before it) out of the plan:
        a question the agent does not wait for, because it hands over at once, reads as a glitch."""
        plan = self.turn.plan
        if self.asked is None or self.asked not in plan:
            return
        index = plan.index(self.asked)
        before = plan[index - 1] if index else None
        del plan[index]
        if before is not None and before.reply is not None and before.reply.key == "confirm.unclear":
            plan.remove(before)
        self.asked = None

    def escalate(self, reason: str, priority: str) -> None:
        self.pending = []
        self.d["task"] = None
        self.d["flow"] = None
        self.d["expecting"] = None
        self.current_intent = "operator_request"
        self.run_action("transfer_to_operator", {"reason": reason, "priority": priority})
