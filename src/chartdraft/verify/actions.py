"""What is done with a drug: "hold ibuprofen" restated as "start ibuprofen" reverses an order."""

from collections.abc import Iterator

from chartdraft.domain.findings import FindingKind, Severity
from chartdraft.verify.align import InputPassage
from chartdraft.verify.facts import Mention, TextFacts
from chartdraft.verify.problems import Problem
from chartdraft.verify.words import Token

# Verbs that decide what happens to a drug, by what they do to it.
_ACTIONS = {
    **dict.fromkeys(("start", "started", "begin", "began", "initiate", "initiated", "add",
                     "added", "resume", "resumed", "restart", "restarted", "prescribe",
                     "prescribed"), "start"),
    **dict.fromkeys(("continue", "continued", "continuing", "maintain", "remain"), "continue"),
    **dict.fromkeys(("stop", "stopped", "hold", "held", "discontinue", "discontinued", "cease",
                     "avoid", "d/c"), "stop"),
    **dict.fromkeys(("increase", "increased", "uptitrate", "double", "doubled"), "increase"),
    **dict.fromkeys(("decrease", "decreased", "reduce", "reduced", "taper", "tapered",
                     "lower", "lowered", "halve", "halved"), "decrease"),
}  # fmt: skip
_REACH = 3
"""Words between the verb and its drug ("start her on lisinopril")."""


def action_problems(facts: TextFacts, support: list[InputPassage]) -> Iterator[Problem]:
    """Yield a problem for each drug the statement gives another action than its support."""
    for drug in facts.drugs:
        said = _action_before(facts.tokens, drug)
        if said is None:
            continue
        for passage in support:
            for given_drug in passage.facts.drugs:
                if given_drug.key != drug.key:
                    continue
                given = _action_before(passage.facts.tokens, given_drug)
                if given is not None and _ACTIONS[given.text] != _ACTIONS[said.text]:
                    yield Problem(
                        FindingKind.CONTRADICTION,
                        Severity.MAJOR,
                        f'The draft says "{facts.text[said.start : drug.end]}" where the input '
                        f'says "{passage.facts.text[given.start : given_drug.end]}".',
                        (said.start, drug.end),
                        (passage.span(given.start, given_drug.end),),
                    )
                    return


def _action_before(tokens: list[Token], drug: Mention) -> Token | None:
    before = [t for t in tokens if t.end <= drug.start and t.kind == "word"]
    for token in reversed(before[-_REACH - 1 :]):
        if token.text in _ACTIONS:
            return token
    return None
