"""A statement's own citation: it must exist and carry the numbers the statement gives.

The review screen lights up a statement's cited input; a statement supported elsewhere but
citing the wrong words would show the clinician the wrong evidence.
"""

from chartdraft.domain.findings import FindingKind, Severity
from chartdraft.domain.note import Statement
from chartdraft.verify.align import Alignment, InputIndex
from chartdraft.verify.facts import TextFacts
from chartdraft.verify.problems import Problem, shown
from chartdraft.verify.words import tokenize


def citation_problem(
    statement: Statement, facts: TextFacts, alignment: Alignment, index: InputIndex
) -> Problem | None:
    """Return a problem when the statement cites missing input, or input without its numbers."""
    if not statement.sources:
        return None
    visit = index.visit
    if not all(visit.has_span(s) for s in statement.sources):
        return Problem(
            FindingKind.UNSUPPORTED_STATEMENT,
            Severity.MAJOR,
            "This statement cites input that does not exist.",
        )
    if not facts.quantities:
        return None
    cited = " ".join(visit.text_of(s) for s in statement.sources)
    given = {t.text for t in tokenize(cited, index.lexicon) if t.kind == "num"}
    elsewhere = {q.value for p in alignment.passages for q in p.facts.quantities}
    stray = [q for q in facts.quantities if q.value not in given and q.value in elsewhere]
    if not stray:
        return None  # numbers found nowhere are the contradiction check's to report
    start, end = stray[0].start, stray[-1].end
    return Problem(
        FindingKind.UNSUPPORTED_STATEMENT,
        Severity.MINOR,
        f'This statement cites "{shown(cited)}", which does not give '
        f'"{facts.text[start:end]}"; the input that does is shown instead.',
        (start, end),
        tuple(p.passage.span for p in alignment.passages[:1]),
    )
