"""Apply a policy to mentions: the first matching rule decides, and says why.

The input is one row per mention with the enrichment fields the conditions name (see
`FEATURES`); the output, row for row, is the decision plus its evidence: for every
condition of the rule that fired, the value it compared and the test it passed. That
evidence is stored with the decision, so `carewire route explain` can show an agent or
an auditor exactly which scores and thresholds made it, under which policy version.
"""

from __future__ import annotations

import re
from typing import Callable

import numpy as np
import pandas as pd

from carewire.routing.policy import Experts, Policy, Range, Rule, Then

FEATURES = ("text", "source", "intent", "sentiment", "sentiment_score", "relevant", "language",
            "tier", "is_reply", "cluster_size", "reach", "influence_score", "private_score",
            "parent_tier", "same_author_as_parent", "open_case")
"""The columns conditions may read. Unknown values (NaN, None) never satisfy a condition."""

ExpertFinder = Callable[[pd.DataFrame, Experts], list[list[str]]]
"""(the rows a rule with offer_to_experts matched, the offer) -> experts per row."""
ExpertWhy = Callable[[str], str]
"""An expert -> why they are where they are in the offer (routing/experts.py: `why`)."""

DECISION_COLUMNS = ["route", "rule_id", "team", "priority", "sla", "destination", "unit",
                    "reason", "evidence", "experts"]


def evaluate(policy: Policy, frame: pd.DataFrame,
             find_experts: ExpertFinder | None = None,
             why_expert: ExpertWhy | None = None) -> pd.DataFrame:
    """One decision per row of `frame`, in its order and with its index. `why_expert`
    puts what each offered superfan's place rests on into the reason."""
    missing = [c for c in FEATURES if c not in frame.columns]
    if missing:
        raise ValueError(f"routing needs the columns {', '.join(missing)}; "
                         "routing.decide() fills them from the text")
    decisions: list[dict | None] = [None] * len(frame)
    undecided = np.ones(len(frame), dtype=bool)
    for rule in policy.rules:
        mask = undecided.copy()
        for name, condition in rule.when.conditions().items():
            if not mask.any():
                break
            mask &= _holds(frame, name, condition, policy)
        rows = np.flatnonzero(mask)
        if len(rows) == 0:
            continue
        undecided[rows] = False
        matched = frame.iloc[rows]
        offer = rule.then.offer_to_experts
        experts = (find_experts(matched, offer) if offer and find_experts
                   else [[] for _ in rows])
        for position, (_, row), found in zip(rows, matched.iterrows(), experts):
            decisions[position] = _decision(policy, rule, row, found, why_expert)
    return pd.DataFrame(decisions, index=frame.index, columns=DECISION_COLUMNS)


def _decision(policy: Policy, rule: Rule, row: pd.Series, experts: list[str],
              why_expert: ExpertWhy | None = None) -> dict:
    evidence = [check for name, condition in rule.when.conditions().items()
                if (check := _check(row, name, condition, policy)) is not None]
    then: Then = rule.then
    reason = "; ".join(item["says"] for item in evidence) or "no earlier rule matched"
    if then.offer_to_experts:
        if experts:
            named = [f"{e} [{why_expert(e)}]" if why_expert else e for e in experts]
            reason += f"; offered to superfans {', '.join(named)}"
            if why_expert and len(experts) > 1:
                reason += " (who helped best first)"
        elif then.fallback is not None:
            then = then.fallback
            reason += f"; no superfan has answered a similar question: fallback {then.route}"
        else:
            reason += "; no superfan has answered a similar question yet"
    ignored = then.route == "ignore"
    return {
        "route": then.route,
        "rule_id": rule.id,
        "team": None if ignored else policy.team_for(then),
        "priority": None if ignored else then.priority,
        "sla": None if ignored else then.sla,
        "destination": None if ignored else policy.destination_for(then),
        "unit": None if ignored else then.delivery_unit,
        "reason": f"{rule.id}: {reason}",
        "evidence": evidence,
        "experts": experts,
    }


def _holds(frame: pd.DataFrame, name: str, condition, policy: Policy) -> np.ndarray:
    """Where the condition holds, for every row at once."""
    if name == "matches":
        hit = np.zeros(len(frame), dtype=bool)
        for pattern in condition:
            hit |= frame["text"].str.contains(policy.compiled[pattern], na=False).to_numpy()
        return hit
    if name == "keywords":
        return frame["text"].str.contains(_keywords(condition), na=False).to_numpy()
    column = frame[name]
    if isinstance(condition, Range):
        values = pd.to_numeric(column, errors="coerce")
        held = values.notna()
        if condition.min is not None:
            held &= values >= condition.min
        if condition.max is not None:
            held &= values <= condition.max
        return held.to_numpy(dtype=bool)
    if isinstance(condition, bool):
        return (column.astype("boolean") == condition).fillna(False).to_numpy(dtype=bool)
    return column.isin(condition).to_numpy(dtype=bool)


def _check(row: pd.Series, name: str, condition, policy: Policy) -> dict | None:
    """The evidence that `condition` held for `row` (or why not): value, test, and a line."""
    if name in ("matches", "keywords"):
        patterns = ({p: policy.compiled[p] for p in condition} if name == "matches"
                    else {"keyword": _keywords(condition)})
        for label, pattern in patterns.items():
            if found := pattern.search(str(row["text"])):
                personal = name == "matches" and label not in policy.public_patterns
                snippet = _redact(found.group(0)) if personal else found.group(0)
                return {"field": name, "value": label, "test": f"found {snippet!r}",
                        "says": f"text matches {label} ({snippet!r})", "held": True}
        return {"field": name, "value": None, "test": f"one of {list(condition)}",
                "says": f"text matches none of {list(condition)}", "held": False}
    value = row[name]
    value = None if value is None or (isinstance(value, float) and np.isnan(value)) else value
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(condition, Range):
        tests = ([f">= {condition.min:g}"] if condition.min is not None else []) + \
                ([f"<= {condition.max:g}"] if condition.max is not None else [])
        held = value is not None and (condition.min is None or value >= condition.min) and \
            (condition.max is None or value <= condition.max)
        shown = "unknown" if value is None else f"{value:.3g}"
        test = " and ".join(tests)
    elif isinstance(condition, bool):
        held, shown, test = value == condition, str(value).lower(), f"is {str(condition).lower()}"
    else:
        held, shown, test = value in condition, str(value), f"in {list(condition)}"
    return {"field": name, "value": value, "test": test, "says": f"{name} {shown} {test}",
            "held": bool(held)}


def near_misses(policy: Policy, row: pd.Series, fired: str) -> list[dict]:
    """For each rule tried before the one that fired: the first condition that failed.
    This answers an agent's "why not the contact center?"."""
    misses = []
    for rule in policy.rules:
        if rule.id == fired:
            break
        for name, condition in rule.when.conditions().items():
            check = _check(row, name, condition, policy)
            if not check["held"]:
                misses.append({"rule_id": rule.id, "failed": check["says"]})
                break
    return misses


def _keywords(words: list[str]) -> re.Pattern:
    return re.compile(r"(?i)\b(?:" + "|".join(re.escape(w) for w in words) + r")\b")


def _redact(text: str) -> str:
    """Evidence must not copy personal data into a second table: keep its shape only.
    Keywords and the policy's `public_patterns` are ordinary words, shown as found."""
    if len(text) <= 4:
        return text
    return text[:3] + re.sub(r"[A-Za-z0-9]", "•", text[3:-1]) + text[-1]
