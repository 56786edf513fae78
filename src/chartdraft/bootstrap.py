"""The one place that turns settings into wired services."""

from collections.abc import Iterator
from datetime import timedelta
from functools import cache
from pathlib import Path
from urllib.parse import urlsplit

from pydantic import ValidationError

from chartdraft.capture.speech.options import RecognizerOptions, RecordingLimits
from chartdraft.capture.speech.vocabulary import Vocabulary
from chartdraft.config import Settings
from chartdraft.domain.delivery import RetryPolicy
from chartdraft.domain.draft import PracticeContext
from chartdraft.domain.errors import ConfigError
from chartdraft.handoff.ehr_client import EhrClient
from chartdraft.privacy.entities import PhiFinder
from chartdraft.privacy.name_lexicon import NameLexicon, load_name_lexicon
from chartdraft.services.clinic import Clinic
from chartdraft.services.delivery import Courier
from chartdraft.services.dictation import Transcriber
from chartdraft.services.drafting import DraftingService
from chartdraft.services.phi_guard import PhiGuard
from chartdraft.store.crypto import (
    FieldCipher,
    KeyRing,
    keyring_from_secret,
    load_or_create_key_file,
)
from chartdraft.store.database import Database, open_database
from chartdraft.store.migrate import current_revision, head_revision, upgrade
from chartdraft.store.records import RecordStore
from chartdraft.templates.catalog import load_catalog
from chartdraft.verify.lexicon import default_lexicon


def load_settings() -> Settings:
    """Read settings from the environment, or raise ConfigError naming what is wrong."""
    try:
        return Settings()
    except ValidationError as exc:
        # Name the setting, never echo its value: it may be a secret.
        names = ", ".join(
            "CHARTDRAFT_" + "__".join(str(p) for p in e["loc"]).upper() for e in exc.errors()
        )
        raise ConfigError(f"Invalid setting(s): {names}.") from exc


def build_drafting_service(settings: Settings) -> DraftingService:
    """Return the drafting service configured by ``settings``."""
    catalog = load_catalog(settings.templates_dir)
    catalog.resolve(settings.default_encounter_type)  # fail at start, not at the first draft
    return DraftingService(
        catalog=catalog,
        practice=PracticeContext(
            practice_type=settings.practice.type,
            common_presentations=tuple(settings.practice.common_presentations),
        ),
        default_engine=settings.default_engine,
        default_encounter_type=settings.default_encounter_type,
        max_capture_bytes=settings.max_capture_bytes,
        engines=settings.engines,
        guard=PhiGuard(
            detector_factory=lambda: phi_detector(settings.privacy.ner_model),
            lexicon_factory=name_lexicon,
        ),
    )


def database_url(settings: Settings) -> str:
    """Return the configured database URL, or the embedded SQLite file's."""
    if settings.database.url is not None:
        return settings.database.url.get_secret_value()
    return f"sqlite:///{settings.data_dir / 'chartdraft.db'}"


def database_label(settings: Settings) -> str:
    """Return where the record lives, for messages: never a password or query."""
    if settings.database.url is None:
        return f"the SQLite file {settings.data_dir / 'chartdraft.db'}"
    parts = urlsplit(settings.database.url.get_secret_value())
    return f"the database {parts.hostname or 'localhost'}{parts.path}"


def key_file(settings: Settings) -> Path:
    """Return the path of the key file (used when no key is given in settings)."""
    return settings.storage.key_file or settings.data_dir / "keys.json"


def keyring(settings: Settings) -> KeyRing:
    """Return the keys for PHI columns: from settings, else the key file (created on first use)."""
    if settings.storage.encryption_key is not None:
        return keyring_from_secret(settings.storage.encryption_key.get_secret_value())
    if settings.database.url is not None and settings.storage.key_file is None:
        # Each host would make a key of its own in its own data directory, and none could
        # read what another wrote: a shared database needs one key, named on purpose.
        raise ConfigError(
            "A database server needs CHARTDRAFT_STORAGE__ENCRYPTION_KEY or "
            "CHARTDRAFT_STORAGE__KEY_FILE (the same key on every host)."
        )
    return load_or_create_key_file(key_file(settings))


def open_store_database(settings: Settings, *, migrate: bool | None = None) -> Database:
    """Open the database; the embedded one is migrated on open, a server's must be current."""
    database = _connect(settings)
    _bring_current(database, migrate)
    return database


def _connect(settings: Settings) -> Database:
    if settings.database.url is None:
        settings.data_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
    return open_database(database_url(settings))


def _bring_current(database: Database, migrate: bool | None) -> None:
    if migrate if migrate is not None else database.is_sqlite:
        upgrade(database)
    elif current_revision(database) != head_revision():
        database.dispose()
        raise ConfigError("The database schema is not current; run `chartdraft db upgrade` first.")


def build_record_store(settings: Settings) -> RecordStore:
    """Return the record store configured by ``settings`` (URL, then key, then schema)."""
    database = _connect(settings)
    try:
        cipher = FieldCipher(keyring(settings))
    except ConfigError:
        database.dispose()
        raise
    _bring_current(database, None)
    return RecordStore(database, cipher)


def build_clinic(settings: Settings) -> Clinic:
    """Return the record services' context: the store, drafting and the clock."""
    return Clinic(
        records=build_record_store(settings),
        drafting=build_drafting_service(settings),
        ehr_outbox=settings.ehr.enabled,
    )


def build_courier(settings: Settings, clinic: Clinic) -> Courier | None:
    """Return the courier of signed notes to the configured EHR; None when write-back is off."""
    ehr = settings.ehr
    sender = EhrClient.from_settings(ehr)
    if sender is None:
        return None
    policy = RetryPolicy(
        first_wait=timedelta(seconds=ehr.first_retry_seconds),
        longest_wait=timedelta(seconds=ehr.longest_retry_seconds),
        max_attempts=ehr.max_attempts,
    )
    # An attempt is a token request and a transaction, each up to the time-out.
    lease = timedelta(seconds=2 * ehr.timeout + 10)
    return Courier(clinic, sender, policy, mrn_system=ehr.mrn_system, lease=lease)


def _clinical_words() -> Iterator[str]:
    # Drug, finding and test names are never people, whatever the census lists say. Words of
    # longer terms are not taken alone: "white" in "white count" must not hide Susan White.
    lexicon = default_lexicon()
    yield from (words[0] for words in lexicon.drugs if len(words) == 1)
    yield from lexicon.abbreviations
    for terms in (lexicon.findings, lexicon.tests, lexicon.body_parts, lexicon.diagnosis_words):
        yield from (term for term in terms if " " not in term)


@cache
def name_lexicon() -> NameLexicon:
    """Return the name lexicon with the verifier's clinical vocabulary (built once)."""
    return load_name_lexicon(_clinical_words())


@cache
def phi_detector(ner_model: str | None = None) -> PhiFinder:
    """Return the PHI detector with the verifier's clinical vocabulary (built once per model)."""
    # Imported here: presidio and spaCy load only when something is to be detected.
    from chartdraft.privacy.detector import build_detector  # noqa: PLC0415
    from chartdraft.privacy.ner import ner_model_installed  # noqa: PLC0415

    if ner_model is not None and not ner_model_installed(ner_model):
        raise ConfigError(
            f"CHARTDRAFT_PRIVACY__NER_MODEL names {ner_model[:60]}, which is not installed."
        )
    return build_detector(name_lexicon(), ner_model=ner_model)


# Terms shorter than this ("ecg", "flu") resemble too many misheard words to be worth suggesting.
_MIN_SPOKEN_TERM = 6


@cache
def speech_vocabulary() -> Vocabulary:
    """The vocabulary dictation is corrected against, from the verifier's lexicon (built once).

    Suggested drugs are the ones common in primary care (the brand list and the generics the
    brands stand for); every other DrugBank name only counts as heard right, so a correctly
    heard rare drug is never "corrected" into a common one.
    """
    lexicon = default_lexicon()
    common: set[str] = set()
    for words, generic in lexicon.drugs.items():
        name = " ".join(words)
        if name != generic:  # a brand, mapped to its generic
            common.update((name, generic))
    terms = (
        term
        for group in (lexicon.tests, lexicon.findings, lexicon.diagnosis_words)
        for term in group
        if sum(c.isalpha() for c in term) >= _MIN_SPOKEN_TERM
    )
    drug_words = (words[0] for words in lexicon.drugs if len(words) == 1)
    return Vocabulary.of(common, terms, drug_words)


def speech_settings_vocabulary(settings: Settings) -> Vocabulary:
    """The vocabulary with the practice's own terms from ``speech.vocabulary_file``, if set."""
    path = settings.speech.vocabulary_file
    if path is None:
        return speech_vocabulary()
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(
            f"The speech vocabulary file {path} cannot be read as UTF-8 text."
        ) from exc
    return speech_vocabulary().with_practice_terms(text.splitlines())


def build_transcriber(settings: Settings) -> Transcriber:
    """The dictation transcriber from ``settings.speech`` (the model loads on first use)."""
    speech = settings.speech
    options = RecognizerOptions(
        model_dir=speech.model_dir,
        compute_type=speech.compute_type,
        threads=speech.threads,
        beam_size=speech.beam_size,
        voice_activity_filter=speech.voice_activity_filter,
    )
    limits = RecordingLimits(speech.max_megabytes * 1_000_000, speech.max_minutes)
    return Transcriber(options, speech_settings_vocabulary(settings), limits)
