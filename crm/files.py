"""Checking uploaded files: an extension allow-list, a size limit, and a content type taken from
the file's own bytes (never from what the browser claims). Used for customer documents and, by the
portal, for request attachments."""

from __future__ import annotations

import zipfile
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import PurePath

from django.utils.translation import gettext as _g

HEAD_BYTES = 2048


def _starts(*signatures: bytes) -> Callable[[bytes, object], bool]:
    return lambda head, upload: any(head.startswith(s) for s in signatures)


def _text(head: bytes, upload) -> bool:
    return b"\x00" not in head


def _ooxml(folder: str) -> Callable[[bytes, object], bool]:
    """An Office Open XML package: a zip holding [Content_Types].xml and the part's folder."""

    def check(head: bytes, upload) -> bool:
        if not head.startswith(b"PK\x03\x04"):
            return False
        upload.seek(0)
        try:
            with zipfile.ZipFile(upload) as archive:
                names = archive.namelist()
        except (zipfile.BadZipFile, OSError, ValueError):
            return False
        finally:
            upload.seek(0)
        return "[Content_Types].xml" in names and any(n.startswith(folder) for n in names)

    return check


_OLE = _starts(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1")  # legacy .doc / .xls / .ppt

# extension -> (how its bytes look, the content type we serve it with)
FILE_TYPES: dict[str, tuple[Callable[[bytes, object], bool], str]] = {
    ".pdf": (_starts(b"%PDF-"), "application/pdf"),
    ".png": (_starts(b"\x89PNG\r\n\x1a\n"), "image/png"),
    ".jpg": (_starts(b"\xff\xd8\xff"), "image/jpeg"),
    ".jpeg": (_starts(b"\xff\xd8\xff"), "image/jpeg"),
    ".gif": (_starts(b"GIF87a", b"GIF89a"), "image/gif"),
    ".txt": (_text, "text/plain"),
    ".csv": (_text, "text/csv"),
    ".docx": (
        _ooxml("word/"),
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    ),
    ".xlsx": (_ooxml("xl/"), "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
    ".pptx": (
        _ooxml("ppt/"),
        "application/vnd.openxmlformats-officedocument.presentationml.presentation",
    ),
    ".doc": (_OLE, "application/msword"),
    ".xls": (_OLE, "application/vnd.ms-excel"),
    ".ppt": (_OLE, "application/vnd.ms-powerpoint"),
}


@dataclass
class CheckedFile:
    upload: object
    name: str
    size: int
    content_type: str


def check_upload(
    upload, *, allowed: Iterable[str], max_bytes: int, field: str, errors: dict
) -> CheckedFile | None:
    """The upload with its sniffed content type, or None with a located error in `errors`."""
    name = PurePath(str(getattr(upload, "name", "") or "file")).name[:200]
    suffix = PurePath(name).suffix.lower()
    allowed = sorted(allowed)
    if suffix not in allowed or suffix not in FILE_TYPES:
        errors.setdefault(field, []).append(
            _g("“%(name)s”: this type of file is not accepted (allowed: %(allowed)s).")
            % {"name": name, "allowed": ", ".join(allowed)}
        )
        return None
    size = getattr(upload, "size", 0) or 0
    if size > max_bytes:
        errors.setdefault(field, []).append(
            _g("“%(name)s” is larger than %(mb)d MB.") % {"name": name, "mb": max_bytes // 2**20}
        )
        return None
    if size == 0:
        errors.setdefault(field, []).append(_g("“%(name)s” is empty.") % {"name": name})
        return None
    upload.seek(0)
    head = upload.read(HEAD_BYTES)
    upload.seek(0)
    looks_right, content_type = FILE_TYPES[suffix]
    if not looks_right(head, upload):
        errors.setdefault(field, []).append(
            _g("“%(name)s” is not really a %(type)s file.") % {"name": name, "type": suffix.lstrip(".")}
        )
        return None
    return CheckedFile(upload=upload, name=name, size=size, content_type=content_type)
