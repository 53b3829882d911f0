"""The administration area in a real browser: HR builds a piece of the org and a role's access
and checks it with the explainer; a notice published to a department is read on a phone and the
publisher sees the receipt."""

import pytest
from playwright.sync_api import expect

from .conftest import assert_accessible, screenshot

pytestmark = pytest.mark.e2e


def test_hr_builds_a_department_and_a_role_and_the_explainer_shows_the_access(
    demo_org, live_server, page, sign_in
):
    from org.models import Department, Employee

    # given HR (孙红 Sun Hong) on the department tree
    sign_in(page, "sun.hong", next_path="/manage/org/departments/")
    # when she creates "Sales South" at the top of the company...
    page.locator("#id_name").fill("华南销售组 Sales South")
    page.locator("#id_code").fill("SALES-S")
    page.get_by_role("button", name="Create").click()
    page.wait_for_load_state("networkidle")
    south = Department.objects.get(code="SALES-S")
    assert south.parent_id is None
    # ...and drags it under Sales
    page.locator(f'[data-dept="{south.pk}"]').drag_to(
        page.locator('[data-dept-drop]:has(> a:text("Sales 销售部"))')
    )
    # (the drop sends the move and the page comes back with the message: wait for it, not for
    # the network to be idle, which can be before the move has even started)
    expect(page.locator("#messages")).to_contain_text("Moved")
    assert Department.objects.get(pk=south.pk).parent.code == "SALES"
    # and makes a role for its salespeople
    page.goto(f"{live_server.url}/manage/org/groups/")
    page.locator("#id_name").fill("sales_south")
    page.locator("#id_display_name").fill("华南销售 South reps")
    page.get_by_role("button", name="Create").click()
    page.wait_for_load_state("networkidle")
    # then gives the role customers view + add, own department, in the matrix
    page.get_by_role("link", name="Permissions").first.click()
    page.get_by_label("Customers: View").check()
    page.get_by_label("Customers: Add").check()
    page.locator("#id_row_scope").select_option("department")
    assert_accessible(page, context="permission matrix")
    screenshot(page, "admin-permission-matrix", full_page=False)
    page.get_by_role("button", name="Save permissions").click()
    page.wait_for_load_state("networkidle")
    assert "Permissions saved." in page.locator("#messages").inner_text()
    # and invites the new salesperson into Sales South with that role
    page.goto(f"{live_server.url}/manage/org/users/invite/")
    page.locator("#id_username").fill("he.xin")
    page.locator("#id_display_name").fill("何欣 He Xin")
    page.locator("#id_email").fill("he.xin@example.com")
    page.locator("#id_department").select_option(str(south.pk))
    page.locator("#id_employee_code").fill("E017")
    page.get_by_label("华南销售 South reps").check()
    page.get_by_role("button", name="Send the invitation").click()
    page.wait_for_load_state("networkidle")
    assert Employee.objects.get(code="E017").department_id == south.pk
    # when she asks what He Xin can see
    page.get_by_role("link", name="Who can see what").first.click()
    page.wait_for_load_state("networkidle")
    # then customers: view and add through the new role, scope own department; orders: nothing
    customers = page.locator('#explainer tr[data-entity="Customers"]')
    assert "View" in customers.inner_text() and "Add" in customers.inner_text()
    assert "华南销售 South reps" in customers.inner_text()
    assert page.locator("#row-scope").inner_text() == "Own department"
    assert "nothing" in page.locator('#explainer tr[data-entity="Orders"]').inner_text()
    assert_accessible(page, context="explainer")
    screenshot(page, "admin-explainer", full_page=False)


def test_a_notice_to_a_department_is_read_on_a_phone_and_the_publisher_sees_the_receipt(
    demo_org, live_server, page, browser, sign_in
):
    # given HR writes a notice to Customer Service
    sign_in(page, "sun.hong", next_path="/manage/notices/new/")
    page.locator("#id_title").fill("服务规范更新 Service standards")
    page.locator("#id_body").fill("从下周一起，所有上门服务需在24小时内回访。")
    page.get_by_label("Customer Service 客服部").check()
    page.get_by_role("button", name="Publish").click()
    page.wait_for_load_state("networkidle")
    assert page.locator("#unread-count").inner_text() == "4"  # 黄强, 徐丽, 周杰, 吴涛
    # when 徐丽 Xu Li opens her notices on her phone
    phone = browser.new_context(viewport={"width": 390, "height": 844}, locale="en-US")
    staff = phone.new_page()
    sign_in(staff, "xu.li", next_path="/notices/")
    item = staff.locator("#notices li.unread", has_text="服务规范更新")
    assert item.is_visible()
    item.get_by_role("link").click()
    staff.wait_for_load_state("networkidle")
    assert "Read on" in staff.locator("#receipt").inner_text()
    staff.goto(f"{live_server.url}/notices/")
    assert staff.locator("#notices li.read", has_text="服务规范更新").is_visible()
    phone.close()
    # then the publisher sees 1 read, 3 not yet, with the names by department
    page.reload()
    assert page.locator("#read-count").inner_text() == "1"
    row = page.locator("#receipts-table tr", has_text="Customer Service")
    assert "徐丽 Xu Li" in row.locator("td").first.inner_text()
    assert "周杰 Zhou Jie" in row.locator("td").nth(1).inner_text()
    assert_accessible(page, context="notice receipts")
    screenshot(page, "admin-notice-receipts", full_page=False)
