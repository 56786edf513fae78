"""Generate src/chartdraft/verify/data/context_rules.tsv from medspaCy's ConText rules.

The grounding verifier must tell "no chest pain" from "chest pain", "history of asthma" from
"asthma", "mother has diabetes" from "has diabetes": a draft that drops or adds a negation asserts
the opposite of what the clinician said. medspaCy (MIT) publishes the ConText trigger phrases for
exactly this, as spaCy token patterns. The verifier does not run spaCy, so this script expands
each pattern into the plain phrases it matches and writes them as a table the verifier can read
with the standard library.

Usage: python scripts/build_context_rules.py [--data DIR] [--out FILE]
"""

from __future__ import annotations

import argparse
import itertools
import json
import sys
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from shared_data import DEFAULT_DATA, REPO, source_commit

DEFAULT_OUT = REPO / "src" / "chartdraft" / "verify" / "data" / "context_rules.tsv"
RULES = Path("medspacy-resources") / "context_rules.json"
SOURCE_NOTE = Path("medspacy-resources") / "SOURCE.md"

# The modifiers the verifier acts on. medspaCy's English file uses exactly these names.
CATEGORIES = frozenset(
    {"NEGATED_EXISTENCE", "POSSIBLE_EXISTENCE", "HISTORICAL", "HYPOTHETICAL", "FAMILY"}
)
# A terminating or pseudo trigger ends or blocks another trigger's scope whatever its category,
# so those are kept even from a category the verifier does not use.
SCOPE_DIRECTIONS = frozenset({"TERMINATE", "PSEUDO"})
DIRECTIONS = frozenset({"FORWARD", "BACKWARD", "BIDIRECTIONAL"}) | SCOPE_DIRECTIONS

# Beyond this many phrases a pattern is a grammar, not a word list; the rule's literal stands in.
MAX_PHRASES_PER_RULE = 64

# spaCy splits "wasn't" into "was" + "n't" and "mother's" into "mother" + "'s", and the patterns
# list those clitics as tokens. Phrases here are plain words: "n't" is written "not" (the verifier
# expands contractions in the text before matching) and a possessive clitic is left out, which
# only shortens the match ("mother" still finds "mother's").
CLITIC_WORDS: dict[str, str | None] = {"n't": "not", "'s": None, "'": None}


# The MIT License asks for its notice in every copy of a substantial portion of the work.
MIT_NOTICE = """\
Copyright (c) 2020 medspacy

Permission is hereby granted, free of charge, to any person obtaining a copy
of this software and associated documentation files (the "Software"), to deal
in the Software without restriction, including without limitation the rights
to use, copy, modify, merge, publish, distribute, sublicense, and/or sell
copies of the Software, and to permit persons to whom the Software is
furnished to do so, subject to the following conditions:

The above copyright notice and this permission notice shall be included in all
copies or substantial portions of the Software.

THE SOFTWARE IS PROVIDED "AS IS", WITHOUT WARRANTY OF ANY KIND, EXPRESS OR
IMPLIED, INCLUDING BUT NOT LIMITED TO THE WARRANTIES OF MERCHANTABILITY,
FITNESS FOR A PARTICULAR PURPOSE AND NONINFRINGEMENT. IN NO EVENT SHALL THE
AUTHORS OR COPYRIGHT HOLDERS BE LIABLE FOR ANY CLAIM, DAMAGES OR OTHER
LIABILITY, WHETHER IN AN ACTION OF CONTRACT, TORT OR OTHERWISE, ARISING FROM,
OUT OF OR IN CONNECTION WITH THE SOFTWARE OR THE USE OR OTHER DEALINGS IN THE
SOFTWARE."""


class Unexpandable(Exception):  # noqa: N818 - a signal inside this script, not an error
    """A token pattern uses something other than LOWER strings, IN lists and OP "?"."""


def token_choices(token: dict[str, Any]) -> list[str | None]:
    """Return the words one pattern token matches; None stands for "token absent"."""
    if set(token) - {"LOWER", "OP"} or token.get("OP", "?") != "?":
        raise Unexpandable(str(token))
    value = token.get("LOWER")
    if isinstance(value, str):
        words = [value]
    elif isinstance(value, dict) and set(value) == {"IN"}:
        words = list(value["IN"])
    else:
        raise Unexpandable(str(token))
    choices = [CLITIC_WORDS.get(word, word) for word in map(normalize, words)]
    if "OP" in token:
        choices.append(None)
    return list(dict.fromkeys(choices))


def normalize(phrase: str) -> str:
    """Return ``phrase`` lower-cased with single spaces."""
    return " ".join(phrase.lower().split())


def expand(pattern: list[dict[str, Any]]) -> list[str]:
    """Return every phrase a token pattern matches."""
    phrases = set()
    for combination in itertools.product(*(token_choices(token) for token in pattern)):
        words = [word for word in combination if word is not None]
        if words:
            phrases.add(" ".join(words))
    return sorted(phrases)


def without_trailing_optionals(pattern: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Return ``pattern`` without optional tokens at its end.

    An optional last token only lengthens a match; it never changes where a trigger is found.
    """
    end = len(pattern)
    while end > 1 and pattern[end - 1].get("OP") == "?":
        end -= 1
    return pattern[:end]


def rule_phrases(rule: dict[str, Any]) -> tuple[list[str], str]:
    """Return a rule's phrases and how they were obtained (for the summary)."""
    literal = normalize(rule["literal"])
    pattern = rule.get("pattern")
    if not pattern:
        return [literal], "literal"
    try:
        phrases = expand(pattern)
        if len(phrases) > MAX_PHRASES_PER_RULE:
            phrases = expand(without_trailing_optionals(pattern))
    except Unexpandable:
        return [literal], "literal (pattern not expandable)"
    if len(phrases) > MAX_PHRASES_PER_RULE:
        return [literal], "literal (pattern too large)"
    return phrases, "expanded"


def is_kept(rule: dict[str, Any]) -> bool:
    """Return True for a rule of a category the verifier uses, or a scope-ending rule."""
    direction = rule["direction"]
    if direction not in DIRECTIONS:
        raise SystemExit(f"unknown ConText direction {direction!r} in rule {rule['literal']!r}")
    return rule["category"] in CATEGORIES or direction in SCOPE_DIRECTIONS


def trigger_lines(rules: list[dict[str, Any]]) -> tuple[list[tuple[str, str, str]], Counter[str]]:
    """Return the sorted unique (category, direction, phrase) rows and how each rule was read."""
    rows: set[tuple[str, str, str]] = set()
    how: Counter[str] = Counter()
    for rule in rules:
        if not is_kept(rule):
            how["dropped (category not used)"] += 1
            continue
        phrases, method = rule_phrases(rule)
        how[method] += 1
        rows.update((rule["category"], rule["direction"], phrase) for phrase in phrases)
    return sorted(rows), how


def header(commit: str) -> Iterator[str]:
    """Yield the attribution comment lines of the generated file."""
    yield "# ConText trigger phrases: category<TAB>direction<TAB>phrase (lower-case, single spaces)."
    yield "# Source: medspaCy resources/en/context_rules.json, https://github.com/medspacy/medspacy"
    yield f"#   commit {commit}, under the MIT License:"
    yield from (f"#   {line}".rstrip() for line in MIT_NOTICE.splitlines())
    yield "# Token patterns are expanded into the phrases they match (IN lists, optional tokens);"
    yield f"# a pattern of more than {MAX_PHRASES_PER_RULE} phrases, or one using other operators,"
    yield '# is represented by its literal. Contractions are written out ("wasn\'t" as "was not"):'
    yield "# expand them in the text before matching."
    yield "# Generated by scripts/build_context_rules.py; do not edit."


def main(argv: list[str] | None = None) -> int:
    """Build context_rules.tsv and report how many triggers each category has."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA, help="shared data directory")
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help="file to write")
    args = parser.parse_args(argv)
    rules_path = args.data / RULES
    if not rules_path.is_file():
        print(f"medspaCy context rules not found at {rules_path}", file=sys.stderr)
        return 2
    rules = json.loads(rules_path.read_text(encoding="utf-8"))["context_rules"]
    rows, how = trigger_lines(rules)
    lines = [*header(source_commit(args.data / SOURCE_NOTE)), *("\t".join(row) for row in rows)]
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text("\n".join(lines) + "\n", encoding="utf-8")
    print(f"{len(rows)} triggers from {len(rules)} rules -> {args.out}")
    for method, count in sorted(how.items()):
        print(f"  rules {method}: {count}")
    per_key = Counter((category, direction) for category, direction, _ in rows)
    for (category, direction), count in sorted(per_key.items()):
        print(f"  {category:<20} {direction:<13} {count}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
