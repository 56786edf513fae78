"""The deterministic template engine: the clinician's own words, in template order, tidied.

It needs no model and no network, answers in milliseconds, and adds nothing clinical: each
statement is one input item (or the vitals joined into a line) with its source spans.
"""

from collections.abc import Iterator
from itertools import count

from chartdraft.capture.fields import MEDICATION_LABEL
from chartdraft.domain.draft import EngineInfo, SoapDraft
from chartdraft.domain.gaps import assess_sections
from chartdraft.domain.note import DraftSection, Statement, StatementForm
from chartdraft.domain.sections import SectionName
from chartdraft.domain.visit import Passage, Visit
from chartdraft.drafting.engine import DraftRequest
from chartdraft.drafting.presentation import is_vitals, tidy, vitals_line


class TemplateEngine:
    """Drafts by reformatting the input; the embedded default engine."""

    name = "template"

    def is_available(self) -> bool:
        """Return True: the template engine needs nothing outside this package."""
        return True

    def draft(self, request: DraftRequest) -> SoapDraft:
        """Return the visit as a SOAP draft with gaps flagged."""
        visit, template = request.visit, request.template
        assessed = assess_sections(visit, template)
        ids = (f"s{n}" for n in count(1))
        sections = tuple(
            DraftSection(
                name=name,
                title=template.title_of(name),
                status=assessed[name].status,
                statements=tuple(_statements(visit, name, visit.passages_for(name), ids)),
                gaps=assessed[name].gaps,
            )
            for name in template.section_order
        )
        return SoapDraft(
            encounter_type=template.name,
            title=template.title,
            engine=EngineInfo(name=self.name),
            practice=request.practice,
            sections=sections,
            findings=tuple(f for name in template.section_order for f in assessed[name].findings),
        )


def _statements(
    visit: Visit, section: SectionName, passages: tuple[Passage, ...], ids: Iterator[str]
) -> Iterator[Statement]:
    vitals: list[Passage] = []
    for index, passage in enumerate(passages):
        text = visit.text_of(passage.span)
        if section is SectionName.OBJECTIVE and is_vitals(text):
            vitals.append(passage)
            following = passages[index + 1] if index + 1 < len(passages) else None
            if (
                following is None
                or following.group != passage.group
                or not is_vitals(visit.text_of(following.span))
            ):
                yield _vitals_statement(visit, vitals, next(ids))
                vitals = []
            continue
        yield Statement(
            id=next(ids),
            text=tidy(text, close=not passage.fragment),
            sources=(passage.span,),
            form=_form(section, passage),
            group=passage.group,
        )


def _vitals_statement(visit: Visit, passages: list[Passage], statement_id: str) -> Statement:
    # Vitals typed one per line or bullet read best as one line, in the clinician's order.
    return Statement(
        id=statement_id,
        text=vitals_line([visit.text_of(p.span) for p in passages]),
        sources=tuple(p.span for p in passages),
        form="bullet" if all(p.listed for p in passages) else "line",
        group=passages[0].group,
    )


def _form(section: SectionName, passage: Passage) -> StatementForm:
    if section is SectionName.PLAN or passage.listed:
        return "bullet"
    if passage.fragment:
        return "line"
    if passage.group and MEDICATION_LABEL.match(passage.group):
        return "bullet"
    return "sentence"
