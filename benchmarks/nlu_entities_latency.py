"""Latency of entity extraction, language detection and sentiment on typical messages.

Run: .venv/bin/python benchmarks/nlu_entities_latency.py [--rounds 200]
Prints p50/p95/p99 per function over a fixed set of realistic messages in both languages, with the
frozen clock of the tests and a customer context (orders and a service catalog), after a warm-up.
"""

from __future__ import annotations

import argparse
import os
import statistics
import time

os.environ.setdefault("PARLEY_NOW", "2026-11-26T10:00:00+03:00")

from parley.nlu.entities import extract_entities, warm_up  # noqa: E402
from parley.nlu.language import detect_language  # noqa: E402
from parley.nlu.sentiment import analyze_sentiment  # noqa: E402
from parley.nlu.types import OrderHint, ParseContext  # noqa: E402

MESSAGES = [
    "Where is my order 100234?",
    "где мой заказ?",
    "cancel 5512 and tell me where 5520 is",
    "Перенесите доставку заказа 100234 на следующую среду после обеда",
    "can you deliver it this Saturday after lunch?",
    "change the address to 221B Baker Street, London NW1 6XE",
    "доставьте на ул. Ленина, д. 5, кв. 12, Москва",
    "I want to return the headphones, they don't work",
    "хочу вернуть наушники, не подошел размер",
    "yes",
    "да, давайте",
    "no, I meant the other one",
    "пополните баланс +7 916 000-00-01 на 500 рублей",
    "подключите роуминг, еду в Турцию",
    "what's my balance?",
    "Сколько можно ждать?! Уже третий раз пишу!!!",
    "I'd like to pay by card on delivery",
    "the second one",
    "tomorrow before noon works",
    "Thanks a lot, great service!",
]
CONTEXT = ParseContext(
    orders=[
        OrderHint("100250", "2026-11-24", "new", ["Чайник синий"]),
        OrderHint("100240", "2026-11-22", "delivered", ["Wireless headphones", "USB-C cable"]),
        OrderHint("100234", "2026-11-20", "processing", ["Electric kettle"]),
    ],
    services=[
        {"code": "roaming", "name": "International roaming", "monthly_fee": 150},
        {"code": "music", "name": "Music streaming", "monthly_fee": 99},
        {"code": "antispam", "name": "Anti-spam", "monthly_fee": 0},
        {"code": "extra_data", "name": "Extra data 5 GB", "monthly_fee": 200},
        {"code": "caller_id", "name": "Caller ID", "monthly_fee": 50},
        {"code": "voicemail", "name": "Voicemail", "monthly_fee": 30},
    ],
)


def _percentiles(samples: list[float]) -> tuple[float, float, float]:
    ordered = sorted(samples)
    pick = lambda q: ordered[min(len(ordered) - 1, int(q * len(ordered)))]  # noqa: E731
    return statistics.median(ordered), pick(0.95), pick(0.99)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=200)
    args = parser.parse_args()

    started = time.perf_counter()
    warm_up()
    print(f"warm-up (dateparser import + language data): {(time.perf_counter() - started) * 1000:.0f} ms")

    timings: dict[str, list[float]] = {
        "extract_entities": [],
        "extract_entities (cpu)": [],
        "detect_language": [],
        "analyze_sentiment": [],
    }
    for _ in range(args.rounds):
        for text in MESSAGES:
            t0 = time.perf_counter()
            language = detect_language(text)
            t1 = time.perf_counter()
            c1 = time.thread_time()
            extract_entities(text, language, context=CONTEXT)
            c2 = time.thread_time()
            t2 = time.perf_counter()
            analyze_sentiment(text, language)
            t3 = time.perf_counter()
            timings["detect_language"].append((t1 - t0) * 1000)
            timings["extract_entities"].append((t2 - t1) * 1000)
            timings["extract_entities (cpu)"].append((c2 - c1) * 1000)
            timings["analyze_sentiment"].append((t3 - t2) * 1000)

    print(f"{len(MESSAGES)} messages x {args.rounds} rounds, one core")
    print("wall-clock except the '(cpu)' row, which is thread CPU time (immune to scheduler preemption)")
    print(f"{'function':<24} {'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8}")
    for name, samples in timings.items():
        p50, p95, p99 = _percentiles(samples)
        print(f"{name:<24} {p50:>8.3f} {p95:>8.3f} {p99:>8.3f}")
    slowest = sorted(
        MESSAGES,
        key=lambda m: (
            -min(
                _time(lambda m=m: extract_entities(m, detect_language(m), context=CONTEXT)) for _ in range(20)
            )
        ),
    )[:3]
    print("slowest messages:", slowest)


def _time(fn: object) -> float:
    t0 = time.perf_counter()
    fn()  # type: ignore[operator]
    return time.perf_counter() - t0


if __name__ == "__main__":
    main()
