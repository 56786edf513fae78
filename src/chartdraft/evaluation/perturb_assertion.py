"""Errors in what a statement asserts: a negation flipped, or a hedge dropped."""

import random
import re

from chartdraft.domain.draft import SoapDraft
from chartdraft.domain.sections import SectionName
from chartdraft.domain.visit import Visit
from chartdraft.evaluation.perturbation import (
    Edit,
    Perturbation,
    PerturbationKind,
    Rewrite,
    apply_one,
    regex_edits,
    statements,
)
from chartdraft.evaluation.vocab import NEGATION_CUES, Vocab
from chartdraft.evaluation.wording import match_case, reads_lowercase

_I = re.IGNORECASE
# "no" that is not a negated finding: "no longer", "no more than", "no one", "nil of note".
_NOT_A_FINDING = r"(?!(?:longer|more|one|matter|doubt|sooner|less|later|of note|else)\b)"
_AFFIRMED_VERB = {
    "reports": "denies", "reported": "denied", "endorses": "denies", "endorsed": "denied",
    "complains of": "denies", "complained of": "denied", "admits to": "denies",
}  # fmt: skip


def _drop_then_capitalise(match: re.Match[str], _text: str) -> str:
    # "No fever" -> "Fever"; "there is no edema" -> "there is edema".
    first = match.group(0)[:1]
    return match.group("next").upper() if first.isupper() else match.group("next")


def _positive_for(match: re.Match[str], _text: str) -> str | None:
    return f"Positive for {match.group('next')}" if match.group(0)[:1].isupper() else None


_NEGATION_RULES: tuple[tuple[re.Pattern[str], Rewrite], ...] = (
    (
        re.compile(r"\b(?P<verb>denies|denied)(?:\s+any)?\b", _I),
        lambda m, _t: match_case(
            m.group(0), "reports" if m["verb"].lower() == "denies" else "reported"
        ),
    ),
    (re.compile(r"\bnegative for\b", _I), lambda m, _t: match_case(m.group(0), "positive for")),
    (re.compile(r"\bpositive for\b", _I), lambda m, _t: match_case(m.group(0), "negative for")),
    (re.compile(rf"\bno\s+{_NOT_A_FINDING}(?P<next>[a-z])", _I), _drop_then_capitalise),
    (re.compile(rf"\bno\s+{_NOT_A_FINDING}(?P<next>[a-z])", _I), _positive_for),
    (re.compile(rf"\bnil\s+{_NOT_A_FINDING}(?P<next>[a-z])", _I), _drop_then_capitalise),
    (re.compile(r"\bwithout\b", _I), lambda m, _t: match_case(m.group(0), "with")),
    (re.compile(r"\b(?P<verb>is|are|was|were|has|have|had)\s+not\b", _I), lambda m, _t: m["verb"]),
    (
        re.compile(
            r"\b(?P<verb>reports|reported|endorses|endorsed|complains of|complained of|admits to)"
            r"(?=\s+(?!(?:that|no|not|it|this|to|the|being|having|he|she|they|i|we)\b)[a-z])",
            _I,
        ),
        lambda m, _t: match_case(m.group(0), _AFFIRMED_VERB[m["verb"].lower()]),
    ),
)
_NEGATION_WORD = re.compile(rf"\b(?:{'|'.join(sorted(NEGATION_CUES))})\b", _I)
_AFFIRMED_FRAGMENT = re.compile(r"^(?P<word>[A-Z][a-z]+)\b")
# A fragment that is a finding ("Photophobia.") may be negated; one with a subject or a verb
# ("The other is healthy.") is a sentence, and "No" in front of it would not be English.
_NOT_NEGATABLE = frozenset(
    """normal stable unremarkable well good fine none nil also the a an this that these those
    he she it they his her their other is are was were has have had be been will would can
    could should did does do""".split()
)


def flip_negation(
    draft: SoapDraft, visit: Visit, rng: random.Random, vocab: Vocab
) -> Perturbation | None:
    """Turn a negated finding into a present one, or a reported one into a denied one."""
    edits = [e for pattern, rule in _NEGATION_RULES for e in regex_edits(draft, pattern, rule)]
    edits = [e for e in edits if not _inside_earlier_negation(e)]
    edits += _negated_fragments(draft, visit)
    # Keep note order so that the seed alone decides the choice.
    edits.sort(key=lambda e: (_order(draft, e.statement.id), e.start))
    return apply_one(draft, PerturbationKind.NEGATION_FLIP, rng, edits)


def _inside_earlier_negation(edit: Edit) -> bool:
    # "No diarrhea, no neck stiffness": dropping the second "no" leaves neck stiffness under
    # the first, so it would not flip anything. Only a sentence's first negation is flipped.
    text = edit.statement.text
    if not _NEGATION_WORD.search(text[edit.start : edit.end]):
        return False
    sentence_start = max(text.rfind(stop, 0, edit.start) for stop in ".;!?") + 1
    return _NEGATION_WORD.search(text[sentence_start : edit.start]) is not None


def _negated_fragments(draft: SoapDraft, visit: Visit) -> list[Edit]:
    # A short symptom line ("Photophobia.") becomes its negation ("No photophobia.").
    context = "\n".join(f.text for f in visit.fields)
    edits = []
    for section, statement in statements(draft):
        words = re.findall(r"[A-Za-z']+", statement.text.lower())
        found = _AFFIRMED_FRAGMENT.match(statement.text)
        if (
            section is not SectionName.SUBJECTIVE
            or found is None
            or not 1 <= len(words) <= 5
            or NEGATION_CUES & set(words)
            or ":" in statement.text
            or re.search(r"\d", statement.text)
            or _NOT_NEGATABLE & set(words)
            or not reads_lowercase(found["word"], context)
        ):
            continue
        new = f"No {found['word'].lower()}"
        edits.append(Edit(section, statement, 0, found.end(), new))
    return edits


def _order(draft: SoapDraft, statement_id: str) -> int:
    for index, (_, statement) in enumerate(statements(draft)):
        if statement.id == statement_id:
            return index
    return -1


# "Evaluate for possible X", "discuss options including possible surgery": the hedge sits in
# a plan to look or to talk, and the sentence asserts nothing without it either.
_LOOKING = re.compile(
    r"\b(?:evaluat\w*|assess\w*|check\w*|screen\w*|test\w*|rule out|r/o|work-?up|discuss\w*|"
    r"consider\w*|options?|including|risks? of|monitor\w*|watch for|look for)\b",
    _I,
)


def _drop_hedge(match: re.Match[str], text: str) -> str | None:
    before = text[: match.start()].lower()
    after = text[match.end() - 1 :].lower()
    sentence = before[max(before.rfind(stop) for stop in ".;!?") + 1 :]
    if _LOOKING.search(sentence):
        return None
    if re.search(r"\b(?:as|if|where|when|less|more)\s*$", before):
        return None  # "as soon as possible", "less likely"
    # Not a finding: "possible side effects", "possible next steps", "would probably want".
    if re.match(
        r"(?:side effects?|risks?|complications?|options?|benefits?|causes?|etiolog|next steps?"
        r"|that\b|to\b|want|like|prefer|need)",
        after,
    ):
        return None
    return _drop_then_capitalise(match, text)


def _is_or_are(match: re.Match[str], text: str) -> str:
    # "her headaches may be caused" -> "her headaches are caused".
    before = text[: match.start()].split()
    plural = bool(before) and before[-1].endswith("s") and not before[-1].endswith(("ss", "is"))
    return match_case(match.group(0), "are" if plural else "is")


_HEDGE_RULES: tuple[tuple[re.Pattern[str], Rewrite], ...] = (
    (
        re.compile(
            r"\b(?:possible|possibly|probable|probably|suspected|presumed|presumptive|"
            r"questionable|(?:most\s+)?likely)\s+(?P<next>[a-z])",
            _I,
        ),
        _drop_hedge,
    ),
    (re.compile(r"\bconcerns?\s+for\s+(?P<next>[a-z])", _I), _drop_then_capitalise),
    (
        re.compile(r"\b(?:concerning|suspicious|worrisome) for\b|\bsuggestive of\b", _I),
        lambda m, _t: "diagnostic of",
    ),
    (re.compile(r"(?:^|(?<=: ))(?:rule out|r/o)\s+(?P<next>[a-z])", _I), _drop_then_capitalise),
    (re.compile(r"\bmay have\b(?!\s+been\b)", _I), lambda m, _t: match_case(m.group(0), "has")),
    (re.compile(r"\b(?:could|might|may) be\b", _I), _is_or_are),
    (re.compile(r"(?<!\S)\?(?P<next>[a-z])", _I), lambda m, _t: m["next"]),
)


# "X versus Y" is a differential only where findings are weighed; in a history or a plan it
# is a choice of treatments ("casting versus pinning"), and dropping Y is no upgrade.
_DIFFERENTIAL = re.compile(r"\s+(?:versus|vs\.?)\s+[^.,;:()]+", _I)
_WEIGHED = frozenset({SectionName.OBJECTIVE, SectionName.ASSESSMENT})


def upgrade_certainty(
    draft: SoapDraft, visit: Visit, rng: random.Random, vocab: Vocab
) -> Perturbation | None:
    """Drop a hedge: "possible pneumonia" -> "pneumonia", "X versus Y" -> "X"."""
    edits = [e for pattern, rule in _HEDGE_RULES for e in regex_edits(draft, pattern, rule)]
    edits += regex_edits(draft, _DIFFERENTIAL, lambda _m, _t: "", _WEIGHED)
    edits.sort(key=lambda e: (_order(draft, e.statement.id), e.start))
    return apply_one(draft, PerturbationKind.CERTAINTY_UPGRADE, rng, edits)
