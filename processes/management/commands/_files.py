"""Reading the files named on a bpmn_* command line into deployments."""

from pathlib import Path

from processes.validation import FORM_SUFFIXES

SUPPORT_SUFFIXES = (".dmn", *FORM_SUFFIXES)


def deployments(paths: list[str], *, together: bool) -> tuple[list[tuple[str, dict]], list[str]]:
    """(label, files) per deployment: each BPMN file with every DMN/form file given, or all
    together; plus the paths that could not be read, each with the reason."""
    files: dict[str, bytes] = {}
    unreadable = []
    for raw in paths:
        path = Path(raw)
        try:
            files[path.name] = path.read_bytes()
        except OSError as error:
            unreadable.append(f"{raw}: cannot read the file ({error.strerror or error})")
    support = {n: b for n, b in files.items() if n.lower().endswith(SUPPORT_SUFFIXES)}
    main = {n: b for n, b in files.items() if n not in support}
    if together or not main:
        return ([(", ".join(sorted(files)), files)] if files else []), unreadable
    return [(name, {name: body, **support}) for name, body in main.items()], unreadable
