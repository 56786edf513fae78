"""Draft a visit: capture -> parse -> draft -> check, the first stretch of the pipeline."""

from collections.abc import Mapping
from dataclasses import dataclass, field

from chartdraft.capture.intake import InputFormat, decode_capture, parse_capture
from chartdraft.domain.draft import PracticeContext, SoapDraft
from chartdraft.domain.encounter_template import EncounterTemplate
from chartdraft.domain.errors import PermanentEngineError, PrivacyError
from chartdraft.domain.findings import Finding
from chartdraft.domain.visit import Visit
from chartdraft.drafting.endpoint import EngineConfig
from chartdraft.drafting.engine import DraftingEngine, DraftRequest, destination_of
from chartdraft.drafting.registry import create_engine
from chartdraft.services.phi_guard import PhiGuard
from chartdraft.templates.catalog import TemplateCatalog
from chartdraft.verify.draft_reader import read_draft
from chartdraft.verify.placement import placement_findings
from chartdraft.verify.verifier import verify


def draft_visit(
    visit: Visit,
    engine: DraftingEngine,
    template: EncounterTemplate,
    practice: PracticeContext,
    guard: PhiGuard | None = None,
) -> SoapDraft:
    """Draft ``visit`` with ``engine`` and attach every finding: gaps, placement, verification."""
    request = DraftRequest(visit=visit, template=template, practice=practice)
    if guard is not None:
        draft = guard.draft(engine, request)
    elif destination_of(engine) is None:
        draft = engine.draft(request)
    else:  # an engine that sends the visit somewhere is only ever called through the guard
        raise PrivacyError(f'The "{engine.name}" engine sends the visit out; nothing was sent.')
    _require_template_shape(draft, template, engine.name)
    # Every engine's draft is verified before anyone sees it. A statement the engine already
    # flagged (a quote not in the input) needs no second finding of the same kind.
    flagged = {(f.statement_id, f.kind) for f in draft.findings if f.statement_id}
    checked = [f for f in verify(visit, draft) if (f.statement_id, f.kind) not in flagged]
    return draft.with_findings((*draft.findings, *placement_findings(visit, draft), *checked))


def _require_template_shape(draft: SoapDraft, template: EncounterTemplate, engine: str) -> None:
    # Every consumer (review screen, FHIR mapping) relies on all five sections in template order.
    if tuple(s.name for s in draft.sections) != template.section_order:
        raise PermanentEngineError(
            f'The "{engine}" engine returned sections that do not follow the "{template.name}" template.'
        )


@dataclass(frozen=True)
class DraftingService:
    """Drafting as the practice has configured it: its templates, engine and context."""

    catalog: TemplateCatalog
    practice: PracticeContext
    default_engine: str
    default_encounter_type: str
    max_capture_bytes: int
    engines: Mapping[str, EngineConfig] = field(default_factory=dict)
    guard: PhiGuard | None = None
    """Protects identifiers around engines that send the visit out (required for those)."""

    def capture(
        self,
        raw: bytes,
        *,
        source: str = "The input",
        name: str = "",
        input_format: InputFormat = "auto",
    ) -> Visit:
        """Check and parse raw capture bytes into a Visit."""
        text = decode_capture(raw, source=source, limit=self.max_capture_bytes)
        return parse_capture(text, input_format, name=name)

    def check_draft(
        self, visit: Visit, raw_draft: bytes, *, source: str = "The draft"
    ) -> tuple[SoapDraft, list[Finding]]:
        """Read a draft written elsewhere (text note or draft JSON) and verify it against ``visit``."""
        text = decode_capture(raw_draft, source=source, limit=self.max_capture_bytes)
        draft = read_draft(text)
        return draft, verify(visit, draft)

    def template_for(self, visit: Visit, encounter_type: str | None = None) -> EncounterTemplate:
        """Return the template: the one asked for, else the one the capture names, else the default."""
        return self.catalog.resolve(
            encounter_type or visit.encounter_type or self.default_encounter_type
        )

    def engine(
        self, name: str | None = None, *, model: str | None = None, base_url: str | None = None
    ) -> DraftingEngine:
        """Return the engine ``name`` (else the default), with one run's overrides."""
        return create_engine(
            name or self.default_engine, self.engines, model=model, base_url=base_url
        )

    def draft(
        self,
        visit: Visit,
        *,
        encounter_type: str | None = None,
        engine: str | DraftingEngine | None = None,
    ) -> SoapDraft:
        """Draft ``visit`` with the chosen (or default) engine and encounter type."""
        template = self.template_for(visit, encounter_type)
        chosen = engine if isinstance(engine, DraftingEngine) else self.engine(engine)
        return draft_visit(visit, chosen, template, self.practice, self.guard)
