"""Place each sentence of free dictation in a SOAP section, and say why.

A sentence goes where its cue phrases point (see ``cues.toml``). A sentence with no cue, or
with cues that point two ways equally, stays with the sentence before it, where a clinician
reading the dictation would look for it, and is marked for the clinician to confirm.
"""

from chartdraft.capture.cues import CueBook, default_cues
from chartdraft.capture.segment import split_items
from chartdraft.domain.sections import SectionName
from chartdraft.domain.visit import Passage, Placement, SourceSpan

_FIRST_SECTION = SectionName.SUBJECTIVE  # a dictation with no cue yet is history
_SURE = 3  # one strong cue, or a lead of three weak ones


def sectionize(
    field: str, text: str, start: int = 0, end: int | None = None, *, cues: CueBook | None = None
) -> list[Passage]:
    """Return the sentences of ``text[start:end]`` (a dictation) placed in sections."""
    book = cues or default_cues()
    stop = len(text) if end is None else end
    previous: SectionName | None = None
    passages = []
    for item in split_items(text[start:stop]):
        span = SourceSpan(field=field, start=start + item.start, end=start + item.end)
        passage = _place(book, text[span.start : span.end], span, previous)
        passages.append(passage.model_copy(update={"fragment": item.fragment}))
        previous = passage.section
    return passages


def _place(book: CueBook, sentence: str, span: SourceSpan, previous: SectionName | None) -> Passage:
    scores = book.scores(sentence)
    best, runner_up = scores[0], scores[1]
    if best.score > runner_up.score:
        # One weak cue is a lead, not a decision: place it, but ask.
        sure = best.score >= _SURE or best.score - runner_up.score >= _SURE
        return Passage(
            section=best.section,
            span=span,
            placement=Placement.CUE,
            reason=f'cue "{best.cue}"' if sure else f'only one weak cue, "{best.cue}"',
            confirm=not sure,
        )
    tied = [s.section for s in scores if s.score == best.score and best.score > 0]
    # A chief complaint is one sentence: an uncued sentence after it is history, not more CC.
    if previous is SectionName.CHIEF_COMPLAINT:
        previous = SectionName.SUBJECTIVE
    if previous is not None and (not tied or previous in tied):
        section = previous
        why = "kept with the sentence before it"
    else:
        section = tied[0] if tied else _FIRST_SECTION
        why = "placed by section order"
    detail = (
        "its cues point to " + " and ".join(s.value.replace("_", " ") for s in tied)
        if tied
        else "it has no section cue"
    )
    return Passage(
        section=section,
        span=span,
        placement=Placement.CONTEXT,
        reason=f"{detail}; {why}",
        confirm=True,
    )
