"""CSL person names <-> the one-name-per-line text editors type ("Family, Given")."""


def name_from_text(text: str) -> dict:
    """``"Rude, Robert K"`` → family/given; a name without a comma is an organisation (literal)."""
    text = " ".join(text.split())
    if "," in text:
        family, given = (part.strip() for part in text.split(",", 1))
        return {"family": family, "given": given} if given else {"family": family}
    return {"literal": text}


def name_to_text(name: dict) -> str:
    if "literal" in name:
        return name["literal"]
    return ", ".join(part for part in (name.get("family", ""), name.get("given", "")) if part)


def names_from_lines(text: str) -> list[dict]:
    return [name_from_text(line) for line in (text or "").splitlines() if line.strip()]


def names_to_lines(names: list[dict]) -> str:
    return "\n".join(name_to_text(name) for name in names or [])
