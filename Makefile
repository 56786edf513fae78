# `make run` and `make test` do all set-up on a fresh machine, then do their job.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
# The real local model server the integration tests draft against (scripts/setup-local-llm.sh).
LLM_VENV := .venv-llm
LLM_STAMP := $(LLM_VENV)/.installed
SPACY_STAMP := $(VENV)/.spacy-small
LLM_MODEL := $(or $(XDG_CACHE_HOME),$(HOME)/.cache)/chartdraft/models/SmolLM2-135M-Instruct.Q4_1.gguf

.PHONY: run test lint bench bench-model bench-verify bench-privacy bench-store bench-web bench-delivery bench-speech eval-verify eval-deid llm-server clean

$(STAMP): pyproject.toml constraints.txt scripts/install-speech-model.sh
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -c constraints.txt -e '.[dev,eval]'
	./scripts/install-speech-model.sh $(VENV)
	touch $(STAMP)

# spaCy's small NER model, only for the de-identification comparison (hash-checked).
$(SPACY_STAMP): $(STAMP) scripts/install-spacy-small.sh
	./scripts/install-spacy-small.sh $(VENV)
	touch $(SPACY_STAMP)

$(LLM_STAMP): scripts/setup-local-llm.sh scripts/local-llm-constraints.txt
	PYTHON=$(PYTHON) ./scripts/setup-local-llm.sh $(LLM_VENV)
	touch $(LLM_STAMP)

# Draft every example visit, record them in the demo practice (SQLite in the per-user data
# directory, or CHARTDRAFT_DATA_DIR; credentials printed once), sign the clean ones, show the
# metrics and the audit check, then serve the app on http://127.0.0.1:8000 (Ctrl-C stops it).
run: $(STAMP)
	@for visit in examples/visits/*; do \
		printf '\n===== %s =====\n' "$$visit"; \
		$(BIN)/chartdraft draft "$$visit" || exit $$?; \
	done
	@printf '\n===== the record =====\n'
	$(BIN)/chartdraft demo --examples examples/visits
	$(BIN)/chartdraft metrics --practice "Demo practice" --by template
	$(BIN)/chartdraft audit verify --practice "Demo practice"
	$(BIN)/chartdraft serve

lint: $(STAMP)
	$(BIN)/ruff check src tests bench
	$(BIN)/ruff format --check src tests bench
	$(BIN)/mypy
	$(BIN)/lint-imports

# Debian's Chromium for the browser tests (Playwright drives it; no browser download).
CHROMIUM := /usr/bin/chromium
$(CHROMIUM):
	@command -v apt-get >/dev/null || { echo "Install Chromium at $(CHROMIUM) for the browser tests."; exit 1; }
	DEBIAN_FRONTEND=noninteractive apt-get install -y -q chromium >/dev/null || \
		{ apt-get update -q >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -q chromium >/dev/null; }

# The real OpenID Provider the single sign-on tests sign in at (panva's oidc-provider, pinned).
OIDC_PROVIDER := tests/oidc_provider/node_modules
$(OIDC_PROVIDER): tests/oidc_provider/package.json tests/oidc_provider/package-lock.json
	cd tests/oidc_provider && npm ci --no-audit --no-fund --loglevel=error && touch node_modules

# The real FHIR server the hand-off tests write to (Medplum's FHIR router, pinned to 4.5.2).
FHIR_SERVER := tests/fhir_server/node_modules
$(FHIR_SERVER): tests/fhir_server/package.json tests/fhir_server/package-lock.json
	cd tests/fhir_server && npm ci --no-audit --no-fund --loglevel=error && touch node_modules

# pytest's exit code 5 (no tests collected) is a failure here, like any other non-zero code.
test: $(STAMP) $(SPACY_STAMP) $(LLM_STAMP) $(CHROMIUM) $(OIDC_PROVIDER) $(FHIR_SERVER) lint
	@test -f "$(LLM_MODEL)" || PYTHON=$(PYTHON) ./scripts/setup-local-llm.sh $(LLM_VENV)
	$(BIN)/python -m pytest

bench: $(STAMP)
	$(BIN)/python bench/bench_draft.py

# The verifier side by side with fuzzy matching and a numbers-only check (about 2 minutes).
bench-verify: $(STAMP)
	$(BIN)/python bench/bench_verify.py

# The verifier's evaluation on public clinical notes: report, figures and chart in eval-out/.
eval-verify: $(STAMP)
	$(BIN)/chartdraft eval verify --data ../shared/data --out eval-out

# What pseudonymize + restore add to a draft, per visit (about a minute).
bench-privacy: $(STAMP)
	$(BIN)/python bench/bench_privacy.py

# PHI detection on real clinical notes with inserted identifiers, beside presidio (a few minutes).
eval-deid: $(STAMP) $(SPACY_STAMP)
	$(BIN)/chartdraft eval deid --data ../shared/data --out eval-out

# Sign-off throughput and review-queue latency, 10,000 encounters, SQLite beside PostgreSQL.
bench-store: $(STAMP)
	$(BIN)/python bench/bench_store.py

# Real-time factor of dictation transcription (tiny.en int8) beside faster-whisper's defaults.
bench-speech: $(STAMP)
	$(BIN)/python bench/bench_speech.py

# 50 concurrent reviewers against `chartdraft serve` on PostgreSQL, from a second process:
# started 10 a second as load tools ramp up, then all at once (the first sign-offs together).
bench-web: $(STAMP)
	$(BIN)/python bench/bench_web_load.py --users 50 --rounds 4 --think 2 --workers 2
	$(BIN)/python bench/bench_web_load.py --users 50 --rounds 4 --think 2 --workers 2 --spawn-rate 0

# Signed notes to the EHR: the outbox (in-process, Celery) beside posting each note directly,
# healthy, with the FHIR server and the worker killed at random, and through long outages
# (Redis, PostgreSQL, Node; about 10 minutes).
bench-delivery: $(STAMP) $(FHIR_SERVER)
	$(BIN)/python bench/bench_delivery.py --notes 1000 --throughput-notes 300 --outage-notes 300

# Engine overhead against the real local model (starts its own server; a few minutes).
bench-model: $(STAMP) $(LLM_STAMP)
	$(BIN)/python bench/bench_model_engine.py

# Serve the test model where the `llamacpp` engine looks by default (localhost:8080), so that
# `chartdraft draft examples/visits/... --engine llamacpp` works on this machine.
llm-server: $(LLM_STAMP)
	$(LLM_VENV)/bin/python -m llama_cpp.server --model "$(LLM_MODEL)" --host 127.0.0.1 \
		--port 8080 --n_ctx 4096 --model_alias smollm2-135m

clean:
	rm -rf $(VENV) $(LLM_VENV) .pytest_cache .mypy_cache .ruff_cache .hypothesis
