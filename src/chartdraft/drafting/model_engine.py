"""Drafting with a language model, whatever the provider: guard, plan, ask, validate, assemble.

The provider modules supply a ``ChatModel``; this class decides what to send. It refuses to
send input too thin to draft (models invent a whole visit from nothing), never cuts a capture
to fit, asks once more when an answer does not validate, and returns the same ``SoapDraft``
as the template engine.
"""

import re
from collections import deque
from dataclasses import dataclass

from chartdraft.domain.draft import EngineInfo, EngineUsage, SoapDraft
from chartdraft.domain.errors import EngineError, PermanentEngineError
from chartdraft.domain.gaps import assess_sections
from chartdraft.domain.note import SectionStatus
from chartdraft.domain.sections import SectionName
from chartdraft.drafting.assemble import assemble_draft
from chartdraft.drafting.budget import Budget, estimate_tokens
from chartdraft.drafting.chat import ChatModel, ChatReply, ChatRequest
from chartdraft.drafting.endpoint import EngineConfig
from chartdraft.drafting.engine import Destination, DraftRequest
from chartdraft.drafting.engines.template import TemplateEngine
from chartdraft.drafting.model_answer import (
    InvalidAnswerError,
    ModelSection,
    answer_schema,
    parse_answer,
)
from chartdraft.drafting.prompt import (
    PromptFile,
    RenderedPrompt,
    input_items,
    load_prompt,
    render_retry,
    render_system,
    render_user,
)
from chartdraft.drafting.request_plan import Items, RequestPlanner

MIN_WORDS_TO_DRAFT = 8
"""Below this many words of input in all, the model is not asked (nothing to format)."""
_WORD = re.compile(r"[^\W_]+")


@dataclass(frozen=True)
class EngineStatus:
    """What ``chartdraft engines`` shows: can the server be reached, and does it have the model."""

    reachable: bool
    ready: bool
    detail: str


class _CutOffError(Exception):
    """The model stopped at its output limit; the answer is incomplete."""


class ModelEngine:
    """A DraftingEngine that asks a language model through a provider's ChatModel."""

    def __init__(
        self, name: str, config: EngineConfig, chat: ChatModel, prompt: PromptFile | None = None
    ) -> None:
        self.name = name
        self.config = config
        self._chat = chat
        self._prompt = prompt or load_prompt()

    def is_available(self) -> bool:
        """Return True: the provider's client imported; whether the server answers is ``probe``."""
        return True

    @property
    def destination(self) -> Destination:
        """The server's host and whether the practice lets identifiable text go there."""
        baa = self.config.baa
        return Destination(
            host=self.config.host,
            phi_allowed=self.config.may_receive_phi(),
            baa_reference=baa.reference if baa else None,
        )

    def probe(self) -> EngineStatus:
        """Ask the server which models it has, without drafting anything."""
        try:
            models = self._chat.list_models()
        except EngineError as exc:
            return EngineStatus(reachable=False, ready=False, detail=str(exc))
        # A server with a pull command (Ollama, LM Studio) serves only what it has pulled; an
        # empty list there means the model is missing. llama.cpp serves whatever it loaded.
        if self.config.pull_hint and self.config.model not in models:
            hint = self.config.pull_hint.format(model=self.config.model)
            detail = f"has no model {self.config.model}: run `{hint}`"
            return EngineStatus(reachable=True, ready=False, detail=detail)
        return EngineStatus(reachable=True, ready=True, detail=f"{len(models)} model(s) offered")

    def draft(self, request: DraftRequest) -> SoapDraft:
        """Return the model's draft of the visit, cited and checked against the input."""
        rendered = render_system(self._prompt, request.practice)
        info = EngineInfo(
            name=self.name,
            model=self.config.model,
            prompt_id=self._prompt.id,
            prompt_version=self._prompt.version,
            prompt_sha256=rendered.sha256,
        )
        wanted = tuple(s for s in request.template.section_order if request.visit.passages_for(s))
        if _too_thin(request):
            # The template engine's rendering keeps the few words given and flags the rest.
            return TemplateEngine().draft(request).model_copy(update={"engine": info})
        answers, usage = self._ask_all(request, rendered, wanted)
        info = info.model_copy(update={"model_called": True, "usage": usage})
        return assemble_draft(request, answers, info)

    def _ask_all(
        self, request: DraftRequest, rendered: RenderedPrompt, wanted: tuple[SectionName, ...]
    ) -> tuple[dict[SectionName, ModelSection], EngineUsage]:
        example_field = request.visit.fields[0].name
        planner = RequestPlanner(
            budget=Budget(self.config.context_tokens, self.config.max_output_tokens),
            system_tokens=estimate_tokens(rendered.system),
            user_tokens=lambda items: estimate_tokens(
                render_user(self._prompt, items, example_field)
            ),
        )
        pending = deque(planner.plan(input_items(request.visit, wanted)))
        answers: dict[SectionName, ModelSection] = {}
        replies: list[ChatReply] = []
        while pending:
            items = pending.popleft()
            try:
                answered = self._ask(request, rendered, items, planner.budget, replies)
            except _CutOffError:
                smaller = planner.smaller(items)
                if not smaller:
                    raise self._cut_off_error(SectionName(next(iter(items)))) from None
                pending.extendleft(reversed(smaller))  # smaller requests, in the same order
                continue
            for section, answer in answered.items():
                answers[section] = _merged(answers.get(section), answer)
        usage = EngineUsage(
            requests=len(replies),
            prompt_tokens=sum(r.prompt_tokens for r in replies),
            output_tokens=sum(r.output_tokens for r in replies),
            model_seconds=round(sum(r.seconds for r in replies), 3),
        )
        return answers, usage

    def _ask(
        self,
        request: DraftRequest,
        rendered: RenderedPrompt,
        items: Items,
        budget: Budget,
        replies: list[ChatReply],
    ) -> dict[SectionName, ModelSection]:
        group = tuple(SectionName(name) for name in items)
        user = render_user(self._prompt, items, request.visit.fields[0].name)
        schema = answer_schema(group, tuple(f.name for f in request.visit.fields))
        error = ""
        for attempt in range(2):
            message = user + render_retry(self._prompt, error) if attempt else user
            limit = budget.output_limit(estimate_tokens(rendered.system) + estimate_tokens(message))
            reply = self._chat.complete(ChatRequest(rendered.system, message, schema, limit))
            replies.append(reply)
            if reply.cut_off:
                raise _CutOffError
            try:
                return parse_answer(reply.text, group)
            except InvalidAnswerError as exc:
                error = str(exc)
        raise PermanentEngineError(
            f"{self.config.label} model {self.config.model} twice gave an answer that does not "
            f"match the draft format ({error.splitlines()[0].lstrip('- ')}); nothing was drafted."
        )

    def _cut_off_error(self, section: SectionName) -> PermanentEngineError:
        return PermanentEngineError(
            f"{self.config.label} model {self.config.model} stopped at its output limit while "
            f"drafting the {section.value.replace('_', ' ')}; nothing was kept. Raise the "
            "engine's max_output_tokens."
        )


def _merged(earlier: ModelSection | None, later: ModelSection) -> ModelSection:
    # A section drafted in several requests: statements in order, the first request for input.
    if earlier is None:
        return later
    # Each part was validated on arrival; together they may exceed one answer's statement cap.
    return ModelSection.model_construct(
        statements=[*earlier.statements, *later.statements],
        needs_input=earlier.needs_input or later.needs_input,
    )


def _too_thin(request: DraftRequest) -> bool:
    visit = request.visit
    words = sum(len(_WORD.findall(visit.text_of(p.span))) for p in visit.passages)
    if words < MIN_WORDS_TO_DRAFT:
        return True
    assessed = assess_sections(visit, request.template)
    return not any(
        assessed[s].status is SectionStatus.COMPLETE
        for s in request.template.section_order
        if s is not SectionName.CHIEF_COMPLAINT
    )
