"""zh-Hans is complete: every staff and portal page of the demo company, rendered in zh-Hans, shows
none of our English messages; amounts and dates follow the locale (¥13,000,000.00, 2026年12月7日)."""

import datetime
import io
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.template import Context, Template
from django.utils import translation

from tests.zh_hans_crawl import add_requests, crawl, english_phrases, untranslated, visible_text


def test_the_check_finds_an_english_message_left_in_a_chinese_page():
    phrases = english_phrases()
    assert "My requests" in phrases and "Needs attention" in phrases
    page = "<h1>我的申请</h1><p>Needs attention</p><script>var s = 'My requests';</script>"
    assert untranslated(visible_text(page), phrases, set()) == ["Needs attention"]


@pytest.mark.django_db(transaction=False)
def test_every_demo_page_in_zh_hans_shows_no_english_message(client, settings):
    # given the demo company, with a request of each kind waiting
    call_command("seed_demo", stdout=io.StringIO())
    add_requests()
    # when each role's pages are opened in zh-Hans
    left = crawl(client)
    # then no page shows an English message of ours (or fails to answer)
    assert left == {}, "\n".join(f"{page}: {phrases}" for page, phrases in left.items())


@pytest.mark.parametrize(
    ("language", "amount", "date"),
    [("zh-hans", "¥13,000,000.00", "2026年12月7日"), ("en", "¥13,000,000.00", "12/07/2026")],
)
def test_amounts_and_dates_follow_the_locale(language, amount, date):
    template = Template('¥{{ amount|floatformat:"2g" }} {{ day|date:"SHORT_DATE_FORMAT" }}')
    with translation.override(language):
        text = template.render(Context({"amount": Decimal("13000000"), "day": datetime.date(2026, 12, 7)}))
    assert text.split(" ", 1)[0] == amount
    assert text.split(" ", 1)[1] == date
