"""Split a capture into requests that fit the model: the whole note, else each section, else
runs of a section's items. Nothing is ever cut; an item too long on its own is refused."""

from collections.abc import Callable
from dataclasses import dataclass

from chartdraft.domain.sections import SectionName
from chartdraft.drafting.budget import Budget

Items = dict[str, list[dict[str, str]]]
"""Per section name, the input items one request carries (``field`` and ``text`` each)."""


@dataclass(frozen=True)
class RequestPlanner:
    """Decides what each request carries, from the budget and the prompt's size."""

    budget: Budget
    system_tokens: int
    user_tokens: Callable[[Items], int]
    """Estimated tokens of the user message that would carry ``items``."""

    def fits(self, items: Items) -> bool:
        """Return True when one request can carry ``items`` and the answer to them."""
        prompt = self.system_tokens + self.user_tokens(items)
        return self.budget.fits(prompt, self.budget.answer_tokens(items))

    def plan(self, items: Items) -> list[Items]:
        """Return the requests for ``items``: one if it fits, else per section, split as needed."""
        if self.fits(items):
            return [items]
        return [unit for section, listed in items.items() for unit in self._runs(section, listed)]

    def smaller(self, items: Items) -> list[Items]:
        """Return ``items`` as smaller requests after an answer was cut off; [] if it cannot be."""
        if len(items) > 1:
            return [
                unit for section, listed in items.items() for unit in self._runs(section, listed)
            ]
        [(section, listed)] = items.items()
        if len(listed) < 2:
            return []
        half = len(listed) // 2
        return [{section: listed[:half]}, {section: listed[half:]}]

    def _runs(self, section: str, listed: list[dict[str, str]]) -> list[Items]:
        runs: list[Items] = []
        current: list[dict[str, str]] = []
        for item in listed:
            if current and not self.fits({section: [*current, item]}):
                runs.append({section: current})
                current = []
            if not current and not self.fits({section: [item]}):
                alone = {section: [item]}
                self.budget.refuse(
                    SectionName(section),
                    self.system_tokens + self.user_tokens(alone),
                    self.budget.answer_tokens(alone),
                )
            current.append(item)
        if current:
            runs.append({section: current})
        return runs
