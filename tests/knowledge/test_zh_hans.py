"""The knowledge base, training and the help centre in zh-Hans: every page of the demo, opened by
someone who may see it, shows none of our English messages."""

import io

import pytest
from django.conf import settings
from django.core.management import call_command

from tests.zh_hans_crawl import bilingual_data, english_phrases, untranslated, visible_text


def _pages() -> list[tuple[str, str]]:
    from crm.models import Complaint, Consultation, ServiceRequest
    from knowledge.models import Article
    from org.models import User
    from portal.models import PortalAccount
    from training.models import Assignment, Course

    article = Article.objects.filter(public=True).order_by("pk").first()
    course = Course.objects.order_by("pk").first()
    mine = Assignment.objects.get(learner__username="zhou.jie", course=course)
    rep = User.objects.get(username="xu.li")
    consultation = Consultation.objects.visible_to(rep).order_by("pk").first()
    portal_user = PortalAccount.objects.select_related("user").order_by("pk").first().user.username
    return [
        ("xu.li", "/knowledge/"),
        ("xu.li", "/knowledge/?q=卡纸"),
        ("xu.li", "/knowledge/?q=zzzz"),
        ("xu.li", f"/knowledge/{article.pk}/"),
        ("xu.li", f"/knowledge/{article.pk}/edit/"),
        ("xu.li", "/knowledge/new/"),
        ("xu.li", f"/knowledge/{article.pk}/versions/1/"),
        ("xu.li", f"/knowledge/cases/complaint/{Complaint.objects.order_by('pk').first().pk}/"),
        (
            "xu.li",
            f"/knowledge/cases/service_request/{ServiceRequest.objects.order_by('pk').first().pk}/?q=滤芯",
        ),
        ("xu.li", f"/knowledge/cases/consultation/{consultation.pk}/"),
        ("zhou.jie", "/training/"),
        ("zhou.jie", f"/training/learn/{mine.pk}/"),
        ("zhou.jie", f"/training/learn/{mine.pk}/quiz/"),
        ("sun.hong", "/training/courses/"),
        ("sun.hong", "/training/courses/new/"),
        ("sun.hong", f"/training/courses/{course.pk}/"),
        ("sun.hong", "/training/report/"),
        (portal_user, "/portal/help/"),
        (portal_user, "/portal/help/?q=卡纸"),
        (portal_user, f"/portal/help/{article.pk}/"),
    ]


@pytest.mark.django_db(transaction=False)
def test_knowledge_and_training_pages_in_zh_hans_show_no_english_message(client):
    # given the demo company
    call_command("seed_demo", stdout=io.StringIO())
    from org.models import User

    phrases, data = english_phrases(), bilingual_data()
    left = {}
    # when each page is opened in zh-Hans
    for username, url in _pages():
        User.objects.filter(username=username).update(language="zh-hans")
        client.force_login(User.objects.get(username=username))
        client.cookies[settings.LANGUAGE_COOKIE_NAME] = "zh-hans"
        response = client.get(url, HTTP_ACCEPT_LANGUAGE="zh-hans")
        if response.status_code != 200:
            left[f"{username} {url}"] = [f"HTTP {response.status_code}"]
            continue
        found = untranslated(visible_text(response.content.decode()), phrases, data)
        if found:
            left[f"{username} {url}"] = found
    # then none shows an English message of ours
    assert left == {}, "\n".join(f"{page}: {phrases}" for page, phrases in left.items())
