"""The egress rule, enforced: identifiable text reaches only engines the practice allows.

Before a visit goes to an engine outside this process, the guard detects its identifiers. An
engine without PHI permission gets the pseudonymized visit and its draft is restored; if
detection fails, nothing is sent. Every egress is recorded with counts by type, never values.
"""

import logging
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from functools import cached_property

from chartdraft.domain.draft import SoapDraft
from chartdraft.domain.egress import EgressRecord
from chartdraft.domain.errors import PrivacyError
from chartdraft.drafting.engine import Destination, DraftingEngine, DraftRequest, destination_of
from chartdraft.privacy.entities import PhiFinder, count_by_type
from chartdraft.privacy.name_lexicon import NameLexicon
from chartdraft.privacy.pseudonymize import PseudonymTable
from chartdraft.privacy.visit_privacy import pseudonymize_visit, restore_draft

log = logging.getLogger(__name__)

EgressRecorder = Callable[[EgressRecord], None]


def log_egress(record: EgressRecord) -> None:
    """Record an egress in the log (the audit trail takes it over when it exists)."""
    log.info("egress %s", record.model_dump_json())


@dataclass(frozen=True)
class PhiGuard:
    """Detects, pseudonymizes and restores around engine calls, and records each egress."""

    detector_factory: Callable[[], PhiFinder]
    lexicon_factory: Callable[[], NameLexicon]
    record: EgressRecorder = log_egress
    seed: int | None = field(default=None, compare=False)
    """A fixed seed for stand-ins and date offsets (tests only); None draws a fresh one."""

    @cached_property
    def detector(self) -> PhiFinder:
        """The detector, built on first use (it loads word lists)."""
        return self.detector_factory()

    def draft(self, engine: DraftingEngine, request: DraftRequest) -> SoapDraft:
        """Return ``engine``'s draft of the request, sending identifiers only where allowed."""
        destination = destination_of(engine)
        if destination is None:
            return engine.draft(request)
        if destination.phi_allowed:
            return self._send_as_is(engine, request, destination)
        return self._send_pseudonymized(engine, request, destination)

    def _send_as_is(
        self, engine: DraftingEngine, request: DraftRequest, destination: Destination
    ) -> SoapDraft:
        try:
            counts: dict[str, int] | None = count_by_type(
                e
                for found in self.detector.detect_all([f.text for f in request.visit.fields])
                for e in found
            )
        except Exception:  # counting is for the record only; the engine may see PHI anyway
            log.warning("PHI detection failed; egress to %s recorded without counts", engine.name)
            counts = None
        egress = _egress(engine, destination, pseudonymized=False, counts=counts)
        return self._call(engine, request, egress)

    def _send_pseudonymized(
        self, engine: DraftingEngine, request: DraftRequest, destination: Destination
    ) -> SoapDraft:
        try:
            table = PseudonymTable.for_visit(self.lexicon_factory(), self.seed)
            private = pseudonymize_visit(request.visit, self.detector, table)
        except Exception as exc:
            # Never send what could not be checked. The cause is logged by type only: its
            # message could quote the visit.
            log.error(
                "PHI detection failed (%s); nothing sent to %s", type(exc).__name__, engine.name
            )
            raise PrivacyError(
                f'Identifiers could not be checked, so nothing was sent to the "{engine.name}" '
                "engine; draft with a local engine or try again."
            ) from None
        egress = _egress(engine, destination, pseudonymized=True, counts=private.entity_counts())
        draft = self._call(engine, replace(request, visit=private.visit), egress)
        return restore_draft(draft, private, self.detector)

    def _call(
        self, engine: DraftingEngine, request: DraftRequest, egress: EgressRecord
    ) -> SoapDraft:
        try:
            draft = engine.draft(request)
        except Exception:
            self.record(egress)  # it may have gone out before the failure: on the record
            raise
        if not draft.engine.model_called:
            return draft  # answered without asking the model (input too thin): nothing left
        self.record(egress)
        return _with_egress(draft, egress)


def _egress(
    engine: DraftingEngine,
    destination: Destination,
    *,
    pseudonymized: bool,
    counts: dict[str, int] | None,
) -> EgressRecord:
    return EgressRecord(
        engine=engine.name,
        host=destination.host,
        pseudonymized=pseudonymized,
        phi_allowed=destination.phi_allowed,
        baa_reference=destination.baa_reference,
        entity_counts=counts,
    )


def _with_egress(draft: SoapDraft, egress: EgressRecord) -> SoapDraft:
    return draft.model_copy(update={"engine": draft.engine.model_copy(update={"egress": egress})})
