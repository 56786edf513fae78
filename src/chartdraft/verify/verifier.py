"""Check every statement of a draft against the clinician's input, and every input item against
the draft. Deterministic, explainable, no model: each finding names the words of the draft, the
closest input and the reason.
"""

from chartdraft.domain.draft import SoapDraft
from chartdraft.domain.findings import Finding, FindingKind
from chartdraft.domain.sections import SectionName
from chartdraft.domain.visit import Visit
from chartdraft.verify.align import Alignment, InputIndex
from chartdraft.verify.certainty import certainty_problems
from chartdraft.verify.citation_check import citation_problem
from chartdraft.verify.contradictions import contradictions
from chartdraft.verify.facts import TextFacts, read_facts
from chartdraft.verify.grounding import unsupported_content
from chartdraft.verify.lexicon import Lexicon, default_lexicon
from chartdraft.verify.omissions import draft_content, omissions
from chartdraft.verify.phi import phi_problems
from chartdraft.verify.problems import CHECK_NAME, Problem, to_finding

__all__ = ["CHECK_NAME", "VERIFIER_KINDS", "verify"]

VERIFIER_KINDS = frozenset(
    {
        FindingKind.UNSUPPORTED_STATEMENT,
        FindingKind.CONTRADICTION,
        FindingKind.SCOPE_VIOLATION,
        FindingKind.UNSAFE_CERTAINTY,
        FindingKind.OMISSION,
        FindingKind.PHI_INTRODUCED,
    }
)
_CLOSE = 0.3
"""Coverage above which the best supporting passage is shown as the closest input."""


def verify(visit: Visit, draft: SoapDraft, lexicon: Lexicon | None = None) -> list[Finding]:
    """Return a finding for every statement not supported by ``visit`` and every input item lost."""
    lexicon = lexicon or default_lexicon()
    index = InputIndex(visit, lexicon)
    findings: list[Finding] = []
    read: list[TextFacts] = []
    for section in draft.sections:
        for statement in section.statements:
            facts = read_facts(statement.text, lexicon)
            read.append(facts)
            alignment = index.align(facts, statement.sources)
            problems = statement_problems(facts, alignment, index, section.name)
            cited = citation_problem(statement, facts, alignment, index)
            if cited is not None and not problems:
                problems.append(cited)
            for problem in problems:
                findings.append(
                    to_finding(problem, visit, section.name, statement.id, statement.text)
                )
    contradicted = tuple(
        span for f in findings if f.kind is FindingKind.CONTRADICTION for span in f.spans
    )
    findings.extend(omissions(index, draft_content(read, index), contradicted))
    return findings


def statement_problems(
    facts: TextFacts, alignment: Alignment, index: InputIndex, section: SectionName
) -> list[Problem]:
    """Return every problem with one statement, each reported once."""
    phi = phi_problems(facts.text, index)
    found = [
        *contradictions(facts, alignment, index),
        *unsupported_content(facts, alignment, index, section),
        *certainty_problems(facts, alignment, index.lexicon),
    ]
    # A changed date is a contradiction, not a new identifier; a number that is only an
    # identifier is reported as one; an item the model added to the assessment or plan is
    # one scope violation (whatever names it holds), not also a list of unsupported words.
    changed = [p for p in found if p.kind is FindingKind.CONTRADICTION]
    phi = [p for p in phi if not any(_overlap(p, q) for q in changed)]
    kept = {FindingKind.CONTRADICTION, FindingKind.SCOPE_VIOLATION}
    found = [p for p in found if p.kind in kept or not any(_overlap(p, q) for q in phi)]
    if any(p.kind is FindingKind.SCOPE_VIOLATION for p in found):
        found = [p for p in found if p.kind is not FindingKind.UNSUPPORTED_STATEMENT]
    return [_with_closest(p, alignment) for p in (*phi, *found)]


def _overlap(a: Problem, b: Problem) -> bool:
    if a.draft is None or b.draft is None:
        return False
    return a.draft[0] < b.draft[1] and b.draft[0] < a.draft[1]


def _with_closest(problem: Problem, alignment: Alignment) -> Problem:
    # "with draft span, input span (when one is close)": the best supporting item, if any.
    if problem.evidence or not alignment.passages or alignment.coverage < _CLOSE:
        return problem
    evidence = (alignment.passages[0].passage.span,)
    return Problem(problem.kind, problem.severity, problem.message, problem.draft, evidence)
