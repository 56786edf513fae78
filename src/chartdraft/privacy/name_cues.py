"""The words around a name that say it is one: titles, relatives, introductions, verbs.

"Mr. Brown's daughter Rose" is three identifiers because "Mr." and "daughter" say so; "Rose
reports" because people report; "Bell's palsy" is not one because a palsy follows it.
"""

from dataclasses import dataclass

import regex

# Letters with their combining marks: "Smi\u0301th" (an accent typed as its own character) is one word.
WORD = regex.compile(r"\p{L}[\p{L}\p{M}]*(?:[-'\u2019]\p{L}[\p{L}\p{M}]*)*(?:['\u2019]s?)?")
POSSESSIVE = regex.compile(r"['\u2019]s?$")
_NEXT_WORD = regex.compile(r"(?:['\u2019]s?)?[\s-]+(\p{L}+)")

TITLES = frozenset("mr mrs ms miss mx dr doctor prof professor nurse pastor rev".split())
RELATIONS = frozenset(
    """daughter son wife husband mother father mom dad sister brother partner spouse friend
    boyfriend girlfriend fiance fiancee grandson granddaughter grandmother grandfather grandma
    grandpa niece nephew aunt uncle cousin caregiver carer neighbor neighbour roommate guardian
    stepson stepdaughter stepmother stepfather sibling child baby infant colleague coworker
    daughters sons interpreter translator""".split()
)
INTRODUCTIONS = (
    "name is", "named", "called", "i'm", "i am", "this is", "patient:", "pt:", "name:",
    "signed by", "seen by", "referred by", "dictated by", "cc:", "attending:", "pcp:",
    "provider:", "hi", "hello", "hey", "dear", "thanks", "thank you", "goodbye", "bye",
    "resident:", "surgeon:", "physician:", "nurse:", "np:", "rn:", "contact:",
    "emergency contact:", "signed:", "electronically signed by", "spoke with", "spoke to",
    "discussed with", "reviewed with", "talked to", "talked with", "per",
)  # fmt: skip
PERSON_VERBS = frozenset(
    """presents presented reports reported states stated denies denied notes noted says said
    agrees agreed returns returned comes came complains complained endorses endorsed tolerates
    tolerated feels felt continues lives works understands verbalizes verbalized expresses
    expressed arrives arrived declines declined requests requested tells told describes
    described wants wanted asked asks brought called calls helps helped drove drives visited
    visits accompanied accompanies phoned""".split()
)
_AUXILIARIES = frozenset({"was", "is", "has", "had", "will", "were"})
_PERSON_PARTICIPLES = frozenset(
    """counseled counselled seen advised instructed educated told given examined evaluated
    referred informed reassured discharged admitted been agreeable""".split()
)
FUNCTION_WORDS = frozenset(
    """i me my we us our you your he him his she her hers they them their it its this that
    these those the a an and or but if so as at by for from in into of on to with without who
    whom whose which what when where why how patient pt has had have is was were did does do
    not no yes""".split()
)
"""Words that are never names, however they are capitalised ("He", "Patient denies")."""
NOT_AFTER_CUE = frozenset(
    """a an the and or but who which that is was has had will would to at in on of for with
    she he they her his their it its this there present here also says said reports called
    me you we us him them my our your""".split()
)
"""Lower-case words a cue can precede that are not names ("her daughter who", "spoke with me")."""
MEDICATION_CONTEXT = frozenset(
    """prescribed taking take takes took started start starting using use uses used on
    receiving received switched changed tried try trial continue continues continued restart
    restarted increase increased decrease decreased dose inhaler cream tablet tablets""".split()
)
"""Words before a brand-name drug ("is now receiving Lupron"), which is not a person."""
EPONYM_NOUNS = frozenset(
    """sign signs test tests maneuver manoeuvre disease diseases syndrome palsy fracture cyst
    catheter score scale stage stages classification criteria phenomenon reflex node nodes
    triad law lesion lesions ulcer hernia tube procedure operation position rule rules nodule
    nodules disorder anomaly point angle line lines incision spots""".split()
)


@dataclass
class Token:
    """A word of the text, with what the rules ask about it."""

    start: int
    end: int
    word: str
    key: str
    capital: bool
    sentence_start: bool


def tokens(text: str) -> list[Token]:
    """Return the words of ``text``; a possessive "'s" is not part of the name."""
    found: list[Token] = []
    for match in WORD.finditer(text):
        word = POSSESSIVE.sub("", match.group()) or match.group()
        start = match.start()
        before = text[max(0, start - 6) : start].rstrip(" \t\"'\u201c(")
        found.append(
            Token(
                start=start,
                end=start + len(word),
                word=word,
                key=word.lower(),
                capital=word[0].isupper(),
                sentence_start=not before
                or (before[-1] in ".!?:;\n-*\u2022])" and not _ABBREVIATED.search(before)),
            )
        )
    return found


# "John Q. Smith", "Dr. Smith": a full stop after an initial or a title ends no sentence.
_ABBREVIATED = regex.compile(r"(?:^|[\s(])(?:[A-Z]|Dr|Mr|Mrs|Ms|Mx|Prof|St|Rev)\.$")


def cue_before(text: str, words: list[Token], i: int) -> bool:
    """Return True when the words just before ``words[i]`` say a name follows."""
    previous = words[i - 1] if i else None
    if previous is None:
        return False
    gap = text[previous.end : words[i].start]
    if len(gap) > 4 or "\n" in gap:
        return False
    if previous.key in TITLES and gap.strip() in {"", "."}:
        return True
    if previous.key in RELATIONS and gap.strip() in {"", ","}:
        return True
    head = text[max(0, words[i].start - 30) : words[i].start].lower().rstrip(" ,")
    return any(head.endswith(cue) and _word_start(head, cue) for cue in INTRODUCTIONS)


def verb_after(text: str, words: list[Token], i: int) -> bool:
    """Return True when a person's verb follows ("Rose reports", "Hill was counseled")."""
    if i + 1 >= len(words) or text[words[i].end : words[i + 1].start].strip() not in {"", ","}:
        return False
    verb = words[i + 1].key
    if verb in PERSON_VERBS:
        return True
    following = words[i + 2].key if i + 2 < len(words) else ""
    return verb in _AUXILIARIES and following in _PERSON_PARTICIPLES


def eponym_use(text: str, token: Token) -> bool:
    """Return True for "Bell's palsy", "Murphy sign": the next word names a clinical thing."""
    after = _NEXT_WORD.match(text, token.end)
    return after is not None and after.group(1).lower() in EPONYM_NOUNS


def joined(text: str, first: Token, second: Token) -> bool:
    """Return True when two words are one name: a space, a hyphen, or after an initial."""
    gap = text[first.end : second.start]
    if gap in {" ", "-"}:
        return True
    return len(first.word) == 1 and gap in {". ", "."}


def _word_start(head: str, cue: str) -> bool:
    at = len(head) - len(cue)
    return at == 0 or not head[at - 1].isalpha()
