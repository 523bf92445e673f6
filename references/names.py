"""CSL person names <-> the one-name-per-line text editors type ("Family, Given").

An organisation is a name without a comma, or in braces when its name has one
("{Institute of Medicine, Food and Nutrition Board}", as BibTeX protects it). A person with
only a family name keeps the comma ("Plato,"), as RIS writes them.
"""


def name_from_text(text: str) -> dict:
    """``"Rude, Robert K"`` → family/given; an organisation → literal (see the module note)."""
    text = " ".join(text.split())
    if text.startswith("{") and text.endswith("}"):
        return {"literal": text[1:-1].strip()}
    if "," in text:
        family, given = (part.strip() for part in text.split(",", 1))
        return {"family": family, "given": given} if given else {"family": family}
    return {"literal": text}


def name_to_text(name: dict) -> str:
    if "literal" in name:
        return f"{{{name['literal']}}}" if "," in name["literal"] else name["literal"]
    return f"{name.get('family', '')}, {name.get('given', '')}".rstrip()


def names_from_lines(text: str) -> list[dict]:
    return [name_from_text(line) for line in (text or "").splitlines() if line.strip()]


def names_to_lines(names: list[dict]) -> str:
    return "\n".join(name_to_text(name) for name in names or [])
