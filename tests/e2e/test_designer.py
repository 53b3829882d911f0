"""The designer in a real browser: a broken upload shows the error on its element; a corrected
upload is deployed as version 2; the process page shows where instances wait."""

from pathlib import Path

import pytest
from playwright.sync_api import expect

from .conftest import assert_accessible, screenshot
from .test_inbox import BPMN, discounts  # noqa: F401  (fixture)

pytestmark = pytest.mark.e2e


def test_a_designer_fixes_a_broken_upload_and_deploys_v2(discounts, live_server, page, sign_in, tmp_path):  # noqa: F811
    good = BPMN.read_text()
    broken = tmp_path / "broken" / "discount.bpmn"
    broken.parent.mkdir()
    broken.write_text(good.replace('decision == "approve"', 'decision == = "approve"'))
    fixed = tmp_path / "discount.bpmn"
    fixed.write_text(good.replace('name="Prepare the order"', 'name="Prepare and ship the order"'))

    # given lin.feng, a process designer, on the designer page (v1 is deployed and has 3 instances)
    sign_in(page, "lin.feng", next_path="/designer/")
    assert page.get_by_role("heading", level=1).inner_text() == "Process designer"
    assert_accessible(page, context="designer")
    screenshot(page, "designer")

    # when she uploads a diagram with a broken condition
    page.get_by_label("Files").set_input_files(str(broken))
    page.get_by_role("button", name="Validate and deploy").click()
    page.wait_for_load_state("networkidle")

    # then nothing is deployed, and the finding points at the flow on the diagram
    assert "nothing was deployed" in page.get_by_role("alert").inner_text()
    expect(page.locator("#diagram")).to_have_attribute("data-state", "ready")
    expect(page.locator('#diagram [data-element-id="approved_flow"].bpmn-incident')).to_have_count(1)
    page.locator('[data-locate="approved_flow"]').click()
    expect(page.locator("#diagram")).to_have_attribute("data-selected", "approved_flow")
    assert_accessible(page, context="rejected upload")
    screenshot(page, "designer-rejected")

    # and when she uploads the corrected file, it becomes version 2
    page.get_by_role("link", name="Upload a corrected file").click()
    page.get_by_label("Files").set_input_files(str(fixed))
    page.get_by_role("button", name="Validate and deploy").click()
    page.wait_for_load_state("networkidle")
    expect(page.locator("#messages")).to_contain_text("as draft version 2")
    assert page.get_by_role("heading", level=1).inner_text().endswith("v2")

    # the v1 page shows its three instances waiting at the review
    page.get_by_role("link", name="v1", exact=True).click()
    expect(page.locator("#diagram")).to_have_attribute("data-state", "ready")
    expect(page.locator("#diagram .heat-count")).to_have_text(["3"])
    assert_accessible(page, context="process versions")
    screenshot(page, "designer-process")


def test_a_designer_renames_a_task_in_the_modeler_and_saves_v2(discounts, live_server, page, sign_in):  # noqa: F811
    sign_in(page, "lin.feng", next_path="/designer/processes/tl_discount/")
    page.get_by_role("link", name="Edit in the modeler").click()
    expect(page.locator("#modeler")).to_have_attribute("data-state", "ready")
    screenshot(page, "designer-modeler")
    page.evaluate(
        """() => {
            const modeler = window.batonModeler;
            const task = modeler.get('elementRegistry').get('fulfil');
            modeler.get('modeling').updateLabel(task, 'Pack and ship the order');
        }"""
    )
    page.get_by_role("button", name="Validate and save as a new version").click()
    page.wait_for_load_state("networkidle")
    expect(page.locator("#messages")).to_contain_text("as draft version 2")
    from engine.models import DefinitionVersion

    v2 = DefinitionVersion.objects.get(key="tl_discount", version=2)
    assert "Pack and ship the order" in next(iter(v2.files.values()))


def test_a_designer_routes_a_task_to_a_group_with_a_due_date_in_the_properties_panel(
    discounts,  # noqa: F811
    live_server,
    page,
    sign_in,
):
    # given lin.feng edits the discount process in the modeler, in Chinese
    sign_in(page, "lin.feng")
    page.context.add_cookies([{"name": "django_language", "value": "zh-hans", "url": live_server.url}])
    page.goto(f"{live_server.url}/designer/processes/tl_discount/edit/")
    expect(page.locator("#modeler")).to_have_attribute("data-state", "ready")
    # when she selects the "fulfil" task on the canvas
    page.locator('#modeler [data-element-id="fulfil"]').click()
    panel = page.locator("#properties")
    # then the panel speaks her language and offers the org chart's groups by name
    expect(panel.locator(".bio-properties-panel-group-header", has_text="任务分配")).to_be_visible()
    panel.locator(".bio-properties-panel-group-header", has_text="处理人、表单与连接器").click()
    panel.locator("#bio-properties-panel-baton-candidate-groups").select_option("warehouse")  # (the value)
    panel.locator("#bio-properties-panel-baton-priority").select_option(label="高")
    # and she sets a due date two days after the task opens
    panel.locator(".bio-properties-panel-group-header", has_text="任务分配").click()
    due = panel.locator("#bio-properties-panel-dueDate")
    due.fill("P2D")
    due.press("Tab")
    screenshot(page, "designer-properties-panel")
    page.locator("#save-form button[type=submit]").click()
    page.wait_for_load_state("networkidle")

    # then version 2 routes the task to the warehouse, high priority, due in two days
    from engine.models import DefinitionVersion

    v2 = DefinitionVersion.objects.get(key="tl_discount", version=2)
    fulfil = v2.metadata["user_tasks"]["fulfil"]
    assert fulfil["candidate_groups"] == "warehouse"
    assert fulfil["priority"] == "70" and fulfil["due_date"] == "P2D"

    # and saving again without a change deploys nothing new
    page.goto(f"{live_server.url}/designer/processes/tl_discount/edit/")
    expect(page.locator("#modeler")).to_have_attribute("data-state", "ready")
    page.locator("#save-form button[type=submit]").click()
    page.wait_for_load_state("networkidle")
    assert not DefinitionVersion.objects.filter(key="tl_discount", version=3).exists()


def test_a_designer_offers_a_process_on_customers_and_a_salesperson_starts_it_there(
    demo_org, live_server, page, sign_in
):
    from engine.models import ProcessInstance
    from org.models import User
    from processes.services import definition_deploy
    from tests.crm.factories import CustomerFactory
    from tests.processes.test_manual_start import VISIT

    definition_deploy(files={"visit.bpmn": VISIT.encode()})
    zhang = User.objects.get(username="zhang.wei")
    customer = CustomerFactory(owner=zhang, name="杭州湖畔食品有限公司")

    # given lin.feng offers the visit report to the sales team, started from a customer
    sign_in(page, "lin.feng", next_path="/designer/processes/visit_report/")
    settings = page.locator("#start-settings")
    settings.get_by_label("Sales 销售", exact=True).check()
    settings.get_by_label("Started from").select_option("crm.customer")
    settings.get_by_role("button", name="Save").click()
    expect(page.locator("#messages")).to_contain_text("Saved who may start this process")
    screenshot(page, "designer-who-may-start")

    # when zhang.wei opens his customer's card, the process is offered there
    page.context.clear_cookies()
    sign_in(page, "zhang.wei", next_path=f"/customers/{customer.pk}/")
    page.get_by_role("link", name="Start: Customer visit report").click()
    # and its start form asks for the purpose; sent empty, it says so on the field
    page.get_by_role("button", name="Start", exact=True).click()
    expect(page.locator(".field-errors")).to_be_visible()
    assert not ProcessInstance.objects.filter(key="visit_report").exists()
    page.get_by_label("Purpose of the visit").fill("Quarterly review")
    page.get_by_role("button", name="Start", exact=True).click()

    # then the process runs about that customer and the first step is his
    instance = ProcessInstance.objects.get(key="visit_report")
    assert instance.business_object_id == str(customer.pk) and instance.started_by == zhang
    expect(page.locator("#messages")).to_contain_text("Started: Customer visit report")
    expect(page.get_by_text("Review the report").first).to_be_visible()
    screenshot(page, "process-started-from-customer")


FILES = Path(__file__).parent / "files"


def test_a_designer_builds_test_runs_activates_and_starts_a_purchase_approval(
    demo_org, live_server, page, sign_in
):
    """Issue #22's "done when": owners, a form, a DMN table and a timer, all in the browser."""
    from engine.models import DefinitionVersion, HumanTask, ProcessInstance

    # given lin.feng uploads a purchase-request diagram and its decision table: a draft v1
    sign_in(page, "lin.feng", next_path="/designer/")
    page.get_by_label("Files").set_input_files(
        [str(FILES / "purchase_request.bpmn"), str(FILES / "purchase_request.dmn")]
    )
    page.get_by_role("button", name="Validate and deploy").click()
    expect(page.locator("#messages")).to_contain_text("draft version 1")
    expect(page.locator(".page-header .badge")).to_have_text("Draft")
    # and the page warns that the manager's approval has no form of its own
    approve_row = page.locator('#task-forms tr[data-element="approve"]')
    expect(approve_row).to_contain_text("standard approve/reject form")

    # when she builds the approval's form: the decision buttons, a comment, a budget code to pick
    approve_row.get_by_role("link", name="Edit the form").click()
    page.get_by_label("Name of field 3").fill("budget")
    page.get_by_label("Label of field 3").fill("Budget")
    page.get_by_label("Type of field 3").select_option("select")
    page.get_by_label("Choices or columns of field 3").fill("it = IT budget\nops = Operations budget")
    page.get_by_label("Field 3 is required").check()
    # then the live preview draws it as the task page will
    expect(page.locator("#form-preview")).to_contain_text("Operations budget")
    expect(page.locator("#form-preview").get_by_role("button", name="Approve")).to_be_visible()
    screenshot(page, "designer-form-editor")
    page.get_by_role("button", name="Save as a new draft version").click()
    expect(page.locator("#messages")).to_contain_text("draft version 2")

    # when she lowers the finance threshold in the decision table and tests it
    page.get_by_role("link", name="Decision tables").click()
    expect(page.locator("#dmn-editor")).to_have_attribute("data-state", "ready")
    page.locator("#dmn-editor td.input-cell").first.click()
    page.keyboard.press("Control+A")
    page.keyboard.type(">= 10000")
    tests = page.locator("#decision-tests")
    tests.get_by_label("Row 1, input 1").fill("20000")
    tests.get_by_label("Row 1, expected approver_level").fill('"finance"')
    tests.get_by_label("Row 2, input 1").fill("500")
    tests.get_by_label("Row 2, expected approver_level").fill('"manager"')
    tests.get_by_role("button", name="Run the tests").click()
    # then both rows pass against the edited rules, and she saves them with the table
    expect(page.locator("#test-summary")).to_have_text("2 of 2 tests pass.")
    expect(page.locator("#dmn-editor")).to_have_attribute("data-state", "ready")
    screenshot(page, "designer-decision-table")
    page.get_by_role("button", name="Save as a new draft version").click()
    expect(page.locator("#messages")).to_contain_text("draft version 3")

    # and the modeler tells the reminder timer in words
    page.goto(f"{live_server.url}/designer/processes/purchase_request/edit/?version=3")
    expect(page.locator("#modeler")).to_have_attribute("data-state", "ready")
    page.locator('#modeler [data-element-id="remind"]').click()
    expect(page.locator(".baton-timer-words")).to_have_text("2 days after the task is created")

    # when she test-runs draft v3 with a 20,000 purchase
    page.goto(f"{live_server.url}/designer/processes/purchase_request/?version=3")
    page.locator(".page-header").get_by_role("link", name="Test run").click()
    page.get_by_label("What to buy").fill("Laptops")
    page.get_by_label("Amount").fill("20000")
    page.get_by_role("button", name="Start the test run").click()
    # then the approval would go to her manager, by name, with the form she built
    expect(page.locator("#would-get")).to_contain_text("孙红 Sun Hong")
    screenshot(page, "designer-test-run")
    page.get_by_role("radio", name="IT budget").check()
    page.get_by_role("button", name="Approve").click()
    # and the table sent it on to the finance queue, then to the end
    expect(page.locator("#run-decisions")).to_contain_text("Approved? → Finance check")
    expect(page.locator("#would-get")).to_contain_text("Finance 财务")
    page.get_by_role("button", name="Complete with this sample data").click()
    expect(page.locator("#run-finished")).to_be_visible()
    expect(page.locator("#run-path")).to_contain_text("Who approves?")
    # and nothing of the rehearsal was stored
    assert not ProcessInstance.objects.filter(key="purchase_request").exists()

    # when she activates v3 and offers it to every employee
    page.get_by_role("button", name="Activate v3").click()
    expect(page.locator(".page-header .badge")).to_have_text("Active")
    assert DefinitionVersion.objects.get(key="purchase_request", active=True).version == 3
    page.locator("#start-settings").get_by_role("button", name="Save").click()
    expect(page.locator("#messages")).to_contain_text("Saved who may start this process")

    # then she starts a purchase from "Start a request", and her manager gets the approval
    page.goto(f"{live_server.url}/requests/")
    page.get_by_role("link", name="Purchase request").click()
    page.get_by_label("What to buy").fill("Monitors")
    page.get_by_label("Amount").fill("3000")
    page.get_by_role("button", name="Start", exact=True).click()
    expect(page.locator("#messages")).to_contain_text("Started: Purchase request")
    task = HumanTask.objects.get(definition_key="purchase_request", element_id="approve")
    assert task.assignee.username == "sun.hong" and task.definition_version == 3
    assert "budget" in task.form_schema["properties"]
