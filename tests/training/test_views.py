"""Training pages: My courses, a course's materials and quiz for the learner, located quiz
errors, course management with located errors, the report and its Excel export."""

import datetime
import io

from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from training.models import Assignment
from training.services import course_assign

from .conftest import right_answers


def _assign(school, *users):
    due = timezone.localdate() + datetime.timedelta(days=7)
    return course_assign(actor=school.manager, course=school.course, due_on=due, users=list(users))


def test_a_learner_completes_a_course_through_the_pages(client, school):
    [assignment] = _assign(school, school.ann)
    client.force_login(school.ann)
    # My courses lists it, not completed
    page = client.get(reverse("training:my_courses")).content.decode()
    assert "Complaint handling" in page and "0%" in page
    # opening the material follows its link and counts it done
    response = client.get(reverse("training:material_open", args=[assignment.pk, school.material.pk]))
    assert response.status_code == 302 and response["Location"] == "https://videos.example.com/steps"
    # the quiz with an unanswered question is refused, naming it
    quiz_url = reverse("training:quiz", args=[assignment.pk])
    response = client.post(quiz_url, {f"q{school.first.pk}": right_answers(school.first)})
    assert response.status_code == 400
    assert f'id="question-{school.second.pk}" aria-invalid="true"' in response.content.decode()
    # answered right, it passes and the course is complete
    response = client.post(
        quiz_url,
        {
            f"q{school.first.pk}": right_answers(school.first),
            f"q{school.second.pk}": right_answers(school.second),
        },
    )
    assert response.status_code == 302
    assignment.refresh_from_db()
    assert assignment.completed_at is not None and assignment.best_score == 100
    assert "Completed" in client.get(reverse("training:my_courses")).content.decode()


def test_someone_elses_course_is_not_found(client, school):
    [assignment] = _assign(school, school.ann)
    client.force_login(school.bob)
    assert client.get(reverse("training:learn", args=[assignment.pk])).status_code == 404
    assert client.get(reverse("training:quiz", args=[assignment.pk])).status_code == 404


def test_learners_do_not_manage_courses_or_read_the_report(client, school):
    client.force_login(school.ann)
    assert client.get(reverse("training:course_list")).status_code == 403
    assert client.get(reverse("training:report")).status_code == 403
    assert client.get(reverse("training:report_export")).status_code == 403


def test_assigning_with_a_past_date_shows_the_error_at_the_field(client, school):
    client.force_login(school.manager)
    response = client.post(
        reverse("training:course", args=[school.course.pk]),
        {"form": "assign", "people": [school.ann.pk], "due_on": "2001-01-01"},
    )
    assert response.status_code == 400
    assert "The due date has passed." in response.content.decode()
    assert not Assignment.objects.exists()


def test_a_question_without_a_right_answer_is_refused(client, school):
    client.force_login(school.manager)
    response = client.post(
        reverse("training:course", args=[school.course.pk]),
        {"form": "question", "text": "Pick one", "choice1": "A", "choice2": "B"},
    )
    assert response.status_code == 400
    assert "Tick the right answer (or answers)." in response.content.decode()


def test_the_report_and_its_export_show_each_department(client, school):
    ann, _bob, _cat = _assign(school, school.ann, school.bob, school.cat)
    Assignment.objects.filter(pk=ann.pk).update(completed_at=timezone.now(), best_score=80)
    client.force_login(school.manager)
    page = client.get(reverse("training:report")).content.decode()
    assert "Service" in page and "Sales" in page and "80.0%" in page
    response = client.get(reverse("training:report_export"))
    book = load_workbook(io.BytesIO(response.content))
    rows = list(book.worksheets[0].iter_rows(values_only=True))
    assert rows[0] == ("Department", "Assigned", "Completed", "Overdue", "Average score (%)")
    assert ("Service", 2, 1, 0, 80) in rows
    assert ("Sales", 1, 0, 0, None) in rows
    assert len(list(book.worksheets[1].iter_rows())) == 4
