"""The builder's pages: live preview, saving and sharing, a shared report run for whoever opens it,
Excel, dashboards with tiles and the home-page publishing right."""

import io
import json

import pytest
from django.contrib.auth.models import Group, Permission
from django.urls import reverse
from openpyxl import load_workbook

from audit.models import AuditEvent
from core.errors import ValidationFailed
from reports.builder.selectors import home_dashboard
from reports.builder.services import dashboard_save
from reports.models import Dashboard, SavedReport

pytestmark = pytest.mark.django_db

QUERY = {
    "entity": "opportunity",
    "g0_field": "stage",
    "m0_fn": "sum",
    "m0_field": "amount",
    "chart": "bar",
}
SPEC = {
    "entity": "opportunity",
    "group_by": [{"field": "stage"}],
    "measures": [{"fn": "sum", "field": "amount"}],
    "chart": "bar",
}


def test_the_builder_previews_as_you_build(client, company, opportunities):
    client.force_login(company.zhang)
    # when zhang picks opportunities, stage and sum of amount
    response = client.get(reverse("reports:builder"), QUERY, HTTP_HX_REQUEST="true")
    # then the preview has his stages and sums, and a chart
    page = response.content.decode()
    assert response.status_code == 200
    preview = page[page.index('id="preview-title"') :]
    assert "Opportunity confirmed" in preview and "Receivables" not in preview
    assert 'data-chart="builder-chart"' in preview
    # the filter value input follows the field: stage offers its stages by name
    page = client.get(reverse("reports:builder"), {**QUERY, "f0_field": "stage"}).content.decode()
    assert '<option value="contract">Contract</option>' in page


def test_a_bad_input_is_marked_where_it_is(client, company, opportunities):
    client.force_login(company.zhang)
    response = client.get(
        reverse("reports:builder"), {**QUERY, "f0_field": "amount", "f0_op": "gte", "f0_value": "abc"}
    )
    page = response.content.decode()
    assert response.status_code == 200
    assert "Filter 1: Enter a number." in page
    assert "Correct the marked inputs" in page


def test_save_share_and_a_colleague_sees_only_her_rows(client, company, opportunities):
    # given zhang saves the report and shares it with the r_sales role
    client.force_login(company.zhang)
    sales = Group.objects.get(name="r_sales")
    response = client.post(
        reverse("reports:builder_save"),
        {"spec": json.dumps(SPEC), "name": "Pipeline by stage", "shared_with": [sales.pk]},
    )
    report = SavedReport.objects.get(name="Pipeline by stage")
    assert response.status_code == 302 and response.url == reverse("reports:saved", args=[report.pk])
    assert AuditEvent.objects.filter(object_type="reports.savedreport", action="create").exists()
    # when liu (also r_sales) opens it
    client.force_login(company.liu)
    page = client.get(reverse("reports:saved", args=[report.pk])).content.decode()
    # then she sees her own deals (potential 1000, contract 2000), not zhang's
    assert "1,000.00" in page and "2,000.00" in page and "Opportunity confirmed" not in page
    # and r.wang (not in r_sales) cannot open it at all
    client.force_login(company.wang)
    assert client.get(reverse("reports:saved", args=[report.pk])).status_code == 404


def test_saving_needs_a_name_and_a_valid_definition(client, company, opportunities):
    client.force_login(company.zhang)
    bad = {**SPEC, "measures": [{"fn": "sum", "field": "stage"}]}
    response = client.post(reverse("reports:builder_save"), {"spec": json.dumps(bad), "name": ""})
    page = response.content.decode()
    assert response.status_code == 400
    assert "This field is required." in page and "Only numbers can be summed" in page
    assert not SavedReport.objects.exists()
    response = client.post(reverse("reports:builder_save"), {"spec": "{not json", "name": "x"})
    assert response.status_code == 400 and not SavedReport.objects.exists()


def test_only_the_owner_changes_a_report(client, company, opportunities):
    report = SavedReport.objects.create(name="Mine", spec=SPEC, owner=company.zhang)
    report.shared_with.add(Group.objects.get(name="r_sales"))
    client.force_login(company.liu)
    response = client.post(
        reverse("reports:builder_save"), {"spec": json.dumps(SPEC), "name": "Hers", "report": report.pk}
    )
    assert response.status_code == 404
    assert client.post(reverse("reports:saved_delete", args=[report.pk])).status_code == 403
    report.refresh_from_db()
    assert report.name == "Mine"


def test_excel_has_the_pages_numbers_and_needs_the_export_right(client, company, opportunities):
    report = SavedReport.objects.create(name="Pipeline", spec=SPEC, owner=company.zhang)
    client.force_login(company.zhang)
    response = client.get(reverse("reports:saved_export", args=[report.pk]))
    assert response.status_code == 200
    book = load_workbook(io.BytesIO(response.content))
    rows = list(book.worksheets[1].values)
    assert rows[0] == ("Stage", "Sum · Amount")
    assert ("Contract", 400) in rows
    summary = [row for row in book.worksheets[0].values]
    assert ("Group by", "Stage") in summary
    # without crm.export_opportunity: refused
    Group.objects.get(name="r_sales").permissions.remove(
        Permission.objects.get(codename="export_opportunity")
    )
    client.force_login(SavedReport.objects.get().owner.__class__.objects.get(pk=company.zhang.pk))
    assert client.get(reverse("reports:saved_export", args=[report.pk])).status_code == 403


def test_dashboards_show_tiles_run_for_the_viewer(client, company, opportunities):
    sales = Group.objects.get(name="r_sales")
    report = SavedReport.objects.create(name="Pipeline", spec=SPEC, owner=company.zhang)
    report.shared_with.add(sales)
    client.force_login(company.zhang)
    response = client.post(
        reverse("reports:dashboard_new"),
        {
            "name": "Sales desk",
            "tile0_report": report.pk,
            "tile0_size": "wide",
            "tile0_position": 1,
            "shared_with": [sales.pk],
        },
    )
    board = Dashboard.objects.get(name="Sales desk")
    assert response.status_code == 302
    assert [(t.report_id, t.size) for t in board.tiles.all()] == [(report.pk, "wide")]
    client.force_login(company.liu)
    page = client.get(reverse("reports:dashboard", args=[board.pk])).content.decode()
    assert "tile-wide" in page and "2,000.00" in page and "Opportunity confirmed" not in page
    # home pages of roles need the publishing right
    client.force_login(company.zhang)
    response = client.post(
        reverse("reports:dashboard_edit", args=[board.pk]),
        {"name": "Sales desk", "tile0_report": report.pk, "tile0_size": "wide", "home_for": [sales.pk]},
    )
    assert response.status_code == 302 and not board.home_for.exists()
    assert (
        "Home page of" not in client.get(reverse("reports:dashboard_edit", args=[board.pk])).content.decode()
    )
    with pytest.raises(ValidationFailed):
        dashboard_save(actor=company.zhang, dashboard=board, name="Sales desk", tiles=[], home_for=[sales])
    # with it, the role's members find the tiles on their home page
    company.zhang.user_permissions.add(Permission.objects.get(codename="publish_dashboard"))
    zhang = type(company.zhang).objects.get(pk=company.zhang.pk)
    dashboard_save(
        actor=zhang, dashboard=board, name="Sales desk", tiles=[(report, "wide")], home_for=[sales]
    )
    assert home_dashboard(company.liu) == board and home_dashboard(company.wang) is None


def test_a_tile_needs_a_report_the_owner_may_open(client, company, opportunities):
    other = SavedReport.objects.create(name="Private", spec=SPEC, owner=company.yang)
    client.force_login(company.zhang)
    response = client.post(reverse("reports:dashboard_new"), {"name": "X", "tile0_report": other.pk})
    assert response.status_code == 400 and not Dashboard.objects.exists()
    assert "You may not open this report." in response.content.decode()


def test_pages_need_a_sign_in(client, company):
    for name in ("reports:builder", "reports:saved_list", "reports:dashboards"):
        response = client.get(reverse(name))
        assert response.status_code == 302 and "login" in response.url


def test_a_roles_home_page_shows_its_dashboard_tiles(client, company, opportunities):
    # given a dashboard put on the home page of the r_sales role by someone allowed to
    sales = Group.objects.get(name="r_sales")
    report = SavedReport.objects.create(name="Pipeline", spec=SPEC, owner=company.admin)
    report.shared_with.add(sales)
    dashboard_save(actor=company.admin, name="Sales desk", tiles=[(report, "medium")], home_for=[sales])
    # when liu (r_sales) opens her home page, she sees the tile over her own rows
    client.force_login(company.liu)
    page = client.get(reverse("home")).content.decode()
    assert "Sales desk" in page and "tile-medium" in page and "2,000.00" in page
    assert "Opportunity confirmed" not in page.split('id="home-dashboard"')[1].split("</section>")[0]
    # and r.wang (not in r_sales) does not get it
    client.force_login(company.wang)
    assert "Sales desk" not in client.get(reverse("home")).content.decode()


def test_the_unsaved_report_exports_too(client, company, opportunities):
    client.force_login(company.zhang)
    response = client.get(reverse("reports:builder_export"), QUERY)
    rows = list(load_workbook(io.BytesIO(response.content)).worksheets[1].values)
    assert response.status_code == 200 and ("Lead", 200) in rows
    bad = client.get(reverse("reports:builder_export"), {**QUERY, "m0_field": "stage"})
    assert bad.status_code == 400


@pytest.mark.parametrize(
    "junk",
    [
        {"entity": "auth.user"},
        {"entity": "opportunity", "f0_field": "owner__password", "f0_op": "eq", "f0_value": "x"},
        {"entity": "opportunity", "f0_field": "created", "f0_op": "eq", "f0_value": "2026-13-45"},
        {"entity": "opportunity", "f0_field": "owner", "f0_op": "in", "f0_value": ["me", "x", "999999"]},
        {"entity": "opportunity", "g0_field": "created", "g0_period": "decade", "limit": "-1", "sort": "z9"},
        {"entity": "opportunity", "m0_fn": "sum", "m0_field": "amount", "m1_fn": "sum", "m1_field": "amount"},
        {"entity": "task", "g0_field": "process", "chart": "pie", "g1_field": "status"},
        {"report": "abc"},
    ],
)
def test_junk_in_the_builder_is_never_a_server_error(client, company, opportunities, junk):
    client.force_login(company.zhang)
    assert client.get(reverse("reports:builder"), junk).status_code in (200, 400, 404)


def test_a_saved_report_says_what_it_shows_in_words(client, company, opportunities):
    spec = {**SPEC, "filters": [{"field": "status", "op": "eq", "value": "open"}]}
    report = SavedReport.objects.create(name="Open pipeline", spec=spec, owner=company.zhang)
    client.force_login(company.zhang)
    page = client.get(reverse("reports:saved", args=[report.pk])).content.decode()
    assert "<dd>Status is Open</dd>" in page and "<dd>Stage</dd>" in page and "<dd>Sum · Amount</dd>" in page
