"""FHIR narrative: the clinician's text as an XHTML div, escaped so it can never be markup."""

import html
import re
import xml.etree.ElementTree as ET

XHTML = "http://www.w3.org/1999/xhtml"
_ALLOWED = frozenset({f"{{{XHTML}}}div", f"{{{XHTML}}}p"})
# XML 1.0 cannot carry these at all; the capture checks refuse them, this is the last guard.
_REPLACEMENT = "\ufffd"
_NOT_XML = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def xhtml_div(text: str) -> str:
    """Return ``text`` as an XHTML div, one paragraph per non-empty line, every character escaped."""
    lines = (_NOT_XML.sub(_REPLACEMENT, line) for line in text.splitlines() if line.strip())
    paragraphs = "".join(f"<p>{html.escape(line, quote=False)}</p>" for line in lines)
    return f'<div xmlns="{XHTML}">{paragraphs}</div>'


def narrative_problem(div: str) -> str | None:
    """Return why ``div`` is not a safe FHIR narrative of plain paragraphs, or None if it is."""
    try:
        root = ET.fromstring(div)  # noqa: S314 - our own output, no entities or DTD
    except ET.ParseError:
        return "a narrative is not well-formed XHTML"
    if root.tag != f"{{{XHTML}}}div":
        return "a narrative is not an XHTML div"
    for element in root.iter():
        if element.tag not in _ALLOWED or element.attrib:
            return "a narrative holds markup other than plain paragraphs"
    return None


def paragraphs_of(div: str) -> list[str]:
    """Return the text of each paragraph of a narrative div (what a reader of it sees)."""
    root = ET.fromstring(div)  # noqa: S314 - as above
    return ["".join(p.itertext()) for p in root.iter(f"{{{XHTML}}}p")]
