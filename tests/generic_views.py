"""Generic view and API test cases for the generic object views (as netbox's ViewTestCases).

An entity's test module declares, and gets its CRUD and permission tests:

    class TestLeadViews(ObjectViewTestCases):
        object_type = "lead"                       # the key of its tasklist.views.objects.ObjectType
        api_list = "api:lead-list"                 # its REST endpoint, if it has one
        def make(self, org, owner): ...            # a saved row owned by `owner`
        def create_data(self, org): ...            # a valid new-form post (as zhang)
        invalid_data = ({...}, "field")            # a post the service refuses, and the field it names
        def update_data(self, org, obj): ...       # a valid edit post
        updated = ("field", value)                 # what the edit changed

The world is the `org` fixture (tests/crm/conftest.py): t.zhang owns the rows; t.yang sells in the
other team (row scope "own"), so zhang's rows are not his; t.noperm holds no CRM permission.
Reference data every permitted user sees whole (products, warehouses, the stock ledger) declares
`row_scoped = False`: then "yang's" row is zhang's to see too, and the tests expect that.
Pages an entity does not declare are skipped with the reason.
"""

from __future__ import annotations

import io

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from openpyxl import load_workbook

import tasklist.crm_urls  # noqa: F401  (registers the declared entities)
from tasklist.views.objects import REGISTRY, ObjectType


class ObjectViewTestCases:
    object_type: str = ""
    api_list: str = ""
    invalid_data: tuple[dict, str] | None = None
    updated: tuple[str, object] | None = None
    row_scoped: bool = True  # False: every permitted user sees every row (reference data)

    # --- what the entity's module declares ---

    def make(self, org, owner):
        raise NotImplementedError

    def create_data(self, org) -> dict:
        raise NotImplementedError

    def update_data(self, org, obj) -> dict:
        raise NotImplementedError

    # --- helpers ---

    @property
    def otype(self) -> ObjectType:
        return REGISTRY[self.object_type]

    def needs(self, page: str) -> None:
        if not self.otype.has_page(page) or page in self.otype.own_pages:
            pytest.skip(f"{self.object_type} declares no generic {page} page")

    def rows_on(self, response) -> set[int]:
        return {obj.pk for obj in response.context["page"]["rows"]}

    # --- list ---

    def test_list_needs_the_view_permission(self, client, org):
        client.force_login(org.no_perms)
        assert client.get(self.otype.url("list")).status_code == 403

    def test_list_shows_own_rows_and_not_another_teams(self, client, org):
        # given a row of zhang and one of yang
        mine, theirs = self.make(org, org.zhang), self.make(org, org.yang)
        client.force_login(org.zhang)
        # when zhang opens the list
        response = client.get(self.otype.url("list"))
        # then he sees his row only (reference data: both), with a link to it
        assert response.status_code == 200
        assert mine.pk in self.rows_on(response)
        assert (theirs.pk in self.rows_on(response)) is not self.row_scoped
        assert self.otype.url("detail", mine) in response.content.decode()

    def test_list_queries_do_not_grow_with_the_rows(self, client, org):
        self.make(org, org.zhang)
        client.force_login(org.zhang)
        client.get(self.otype.url("list"))  # warm caches (content types, options)
        with CaptureQueriesContext(connection) as few:
            client.get(self.otype.url("list"))
        for _ in range(4):
            self.make(org, org.zhang)
        with CaptureQueriesContext(connection) as more:
            response = client.get(self.otype.url("list"))
        assert len(self.rows_on(response)) >= 5
        assert len(more.captured_queries) == len(few.captured_queries)

    def test_a_bad_filter_is_a_located_error_not_a_500(self, client, org):
        client.force_login(org.zhang)
        response = client.get(self.otype.url("list"), {"sort": "no-such-sort"})
        assert response.status_code == 200
        assert "sort" in response.context["errors"]

    def test_export_has_own_rows_only(self, client, org):
        mine, theirs = self.make(org, org.zhang), self.make(org, org.yang)
        client.force_login(org.zhang)
        response = client.get(self.otype.url("export"))
        assert response.status_code == 200
        sheet = load_workbook(io.BytesIO(response.content)).active
        # the header and zhang's row, not yang's (reference data: both)
        assert len(list(sheet.iter_rows())) == (2 if self.row_scoped else 3)
        assert mine.pk != theirs.pk

    # --- detail ---

    def test_detail_own_row_200_other_row_404_no_permission_403(self, client, org):
        mine, theirs = self.make(org, org.zhang), self.make(org, org.yang)
        client.force_login(org.zhang)
        assert client.get(self.otype.url("detail", mine)).status_code == 200
        assert client.get(self.otype.url("detail", theirs)).status_code == (404 if self.row_scoped else 200)
        client.force_login(org.no_perms)
        assert client.get(self.otype.url("detail", mine)).status_code in (403, 404)

    # --- create ---

    def test_create_saves_through_the_service(self, client, org):
        self.needs("new")
        client.force_login(org.zhang)
        assert client.get(self.otype.url("new")).status_code == 200
        before = set(self.otype.model.objects.values_list("pk", flat=True))
        response = client.post(self.otype.url("new"), self.create_data(org))
        assert response.status_code == 302, response.context and response.context.get("errors")
        created = self.otype.model.objects.exclude(pk__in=before)
        assert created.count() == 1
        assert response["Location"] == self.otype.url("detail", created.get())
        assert created.get() in self.otype.model.objects.visible_to(org.zhang)

    def test_create_with_bad_values_marks_the_field_and_saves_nothing(self, client, org):
        self.needs("new")
        if self.invalid_data is None:
            pytest.skip("no invalid post declared")
        data, field = self.invalid_data
        client.force_login(org.zhang)
        before = self.otype.model.objects.count()
        response = client.post(self.otype.url("new"), {**self.create_data(org), **data})
        assert response.status_code == 400
        errors = {f["name"]: f["errors"] for f in response.context["fields"]}
        assert errors[field], errors
        assert 'aria-invalid="true"' in response.content.decode()
        assert self.otype.model.objects.count() == before

    def test_create_needs_the_add_permission(self, client, org):
        self.needs("new")
        client.force_login(org.no_perms)
        assert client.get(self.otype.url("new")).status_code == 403
        assert client.post(self.otype.url("new"), self.create_data(org)).status_code == 403

    # --- edit ---

    def test_edit_own_row_saves_other_row_404(self, client, org):
        self.needs("edit")
        mine, theirs = self.make(org, org.zhang), self.make(org, org.yang)
        client.force_login(org.zhang)
        assert client.get(self.otype.url("edit", mine)).status_code == 200
        response = client.post(self.otype.url("edit", mine), self.update_data(org, mine))
        assert response.status_code == 302, response.context and response.context.get("errors")
        mine.refresh_from_db()
        field, value = self.updated
        assert getattr(mine, field) == value
        if not self.row_scoped:
            return
        assert client.get(self.otype.url("edit", theirs)).status_code == 404
        assert client.post(self.otype.url("edit", theirs), self.update_data(org, theirs)).status_code == 404

    def test_edit_needs_the_change_permission(self, client, org):
        self.needs("edit")
        mine = self.make(org, org.zhang)
        client.force_login(org.no_perms)
        assert client.get(self.otype.url("edit", mine)).status_code == 403

    # --- delete ---

    def test_delete_own_row_other_row_404(self, client, org):
        self.needs("delete")
        mine, theirs = self.make(org, org.zhang), self.make(org, org.yang)
        org.zhang.user_permissions.add(*_perm(self.otype, "delete"))
        client.force_login(org.zhang)
        assert client.post(self.otype.url("delete", theirs)).status_code == 404
        assert client.get(self.otype.url("delete", mine)).status_code == 200
        assert client.post(self.otype.url("delete", mine)).status_code == 302
        assert not self.otype.model.objects.filter(pk=mine.pk).exists()
        assert self.otype.model.objects.filter(pk=theirs.pk).exists()

    def test_delete_needs_the_delete_permission(self, client, org):
        self.needs("delete")
        mine = self.make(org, org.zhang)
        client.force_login(org.zhang)  # the sales group may add and change, not delete
        assert client.post(self.otype.url("delete", mine)).status_code == 403
        assert self.otype.model.objects.filter(pk=mine.pk).exists()

    # --- the API twin ---

    def test_api_lists_own_rows_hides_others_and_needs_the_permission(self, org):
        if not self.api_list:
            pytest.skip("no API endpoint declared")
        from rest_framework.test import APIClient

        mine, theirs = self.make(org, org.zhang), self.make(org, org.yang)
        api = APIClient()
        api.force_authenticate(org.zhang)
        response = api.get(reverse(self.api_list), {"page_size": 200})
        assert response.status_code == 200
        body = response.json()
        ids = {row["id"] for row in (body["results"] if isinstance(body, dict) else body)}
        assert mine.pk in ids and theirs.pk not in ids
        detail = reverse(self.api_list.replace("-list", "-detail"), args=[theirs.pk])
        assert api.get(detail).status_code == 404
        assert api.get(reverse(self.api_list.replace("-list", "-detail"), args=[mine.pk])).status_code == 200
        api.force_authenticate(org.no_perms)
        assert api.get(reverse(self.api_list)).status_code == 403


def _perm(otype: ObjectType, action: str):
    from django.contrib.auth.models import Permission

    return Permission.objects.filter(
        content_type__app_label=otype.model._meta.app_label,
        codename=f"{action}_{otype.model._meta.model_name}",
    )
