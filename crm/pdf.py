"""Printable documents: a quotation as PDF, laid out from an HTML template by WeasyPrint with the
Noto CJK fonts Debian installs (fonts-noto-cjk), so Chinese names print as text, not boxes."""

from __future__ import annotations

from django.conf import settings
from django.template.loader import render_to_string
from django.utils import translation

from .models import Quotation


def quotation_html(quotation: Quotation) -> str:
    lines = list(quotation.lines.select_related("product").order_by("id"))
    return render_to_string(
        "crm/quotation_pdf.html",
        {
            "quotation": quotation,
            "lines": lines,
            "company": {
                "name": settings.COMPANY_NAME,
                "address": settings.COMPANY_ADDRESS,
                "phone": settings.COMPANY_PHONE,
            },
            "owner_name": str(quotation.owner),
            "owner_email": quotation.owner.email,
            "contact": quotation.contact,
        },
    )


def quotation_pdf(quotation: Quotation, *, language: str | None = None) -> bytes:
    """The quotation as PDF bytes, in `language` (default: the active one)."""
    import weasyprint  # imported here: pango is loaded only when a PDF is made

    with translation.override(language or translation.get_language()):
        html = quotation_html(quotation)
    return weasyprint.HTML(string=html, base_url=str(settings.BASE_DIR)).write_pdf()


def quotation_pdf_name(quotation: Quotation) -> str:
    return f"{quotation}.pdf"
