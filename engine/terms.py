"""Owner expressions as lists of terms, shared by the parser and the owner resolution."""


def split_terms(text: str) -> list[str]:
    """Split 'a, ${f(x, y)}, b' on the commas that are not inside brackets or quotes."""
    terms, depth, quote, current = [], 0, None, []
    for char in text or "":
        if quote:
            current.append(char)
            if char == quote:
                quote = None
            continue
        if char in "'\"":
            quote = char
        elif char in "([{":
            depth += 1
        elif char in ")]}":
            depth -= 1
        elif char == "," and depth == 0:
            terms.append("".join(current).strip())
            current = []
            continue
        current.append(char)
    terms.append("".join(current).strip())
    return [t for t in terms if t]
