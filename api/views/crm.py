"""CRM endpoints. Reads are scoped by the base viewset; every write calls a CRM service, which
checks the row rule again, validates, and records its audit row."""

from __future__ import annotations

from django.contrib.auth.models import Group
from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import exceptions, status
from rest_framework.decorators import action
from rest_framework.response import Response

from audit.services import snapshot
from core.errors import NotFound, NotPermitted, ValidationFailed
from crm import models as crm
from crm.marketing import services as marketing
from crm.marketing.selectors import campaign_roi
from crm.sales import services as sales
from crm.selectors.merge import merge_default_side, merge_moving_counts
from crm.services import commerce, contracts, customers, levels, pools, service
from crm.services.merge import MERGEABLE_FIELDS, customer_merge

from ..errors import ErrorSerializer
from ..serializers import crm as s
from ..serializers import crm_more as sm
from ..serializers import crm_sales as ss
from ..viewsets import BatonModelViewSet, BatonReadOnlyViewSet, ExportMixin, restrict


class CrmViewSet(ExportMixin, BatonModelViewSet):
    """create → `create_service(actor, data)`, PATCH → `update_service(actor, obj, data)`,
    DELETE → `delete_service(actor, obj)`; a missing service means the operation is not offered."""

    http_method_names = ["get", "post", "patch", "delete", "head", "options"]
    input_serializers: dict = {}

    def create_service(self, actor, data):
        raise NotImplementedError

    update_service = None
    delete_service = None

    def get_serializer_class(self):
        return self.serializer_class

    def _input(self, name: str, partial: bool = False):
        serializer = self.input_serializers[name](
            data=self.request.data, partial=partial, context=self.get_serializer_context()
        )
        serializer.is_valid(raise_exception=True)
        return serializer

    def _answer(self, obj, status_code=status.HTTP_200_OK):
        fresh = self.base_queryset().get(pk=obj.pk)
        return Response(self.get_serializer(fresh).data, status=status_code)

    def create(self, request, *args, **kwargs):
        data = dict(self._input("create").validated_data)
        obj = self.create_service(request.user, data)
        return self._answer(obj, status.HTTP_201_CREATED)

    def partial_update(self, request, *args, **kwargs):
        if self.update_service is None:
            return self.http_method_not_allowed(request, *args, **kwargs)
        obj = self.get_object()
        data = self._input("partial_update", partial=True)
        obj = self.update_service(request.user, obj, dict(data.validated_data))
        return self._answer(obj)

    def update(self, request, *args, **kwargs):
        return self.http_method_not_allowed(request, *args, **kwargs)

    def _change_records(self, call):
        """Run `call(data)`: a service adding customers/contacts to a record or taking them off
        (it writes the audit row)."""
        return call(self._input(self.action).validated_data)

    # Why a record of this kind is not deleted, and what to do instead (the 405 message).
    delete_refusal = None

    def destroy(self, request, *args, **kwargs):
        if self.delete_service is None:
            reason = self.delete_refusal or _("Records of this kind are kept for the history.")
            raise exceptions.MethodNotAllowed(
                request.method, detail=_("They cannot be deleted. %(reason)s") % {"reason": reason}
            )
        return super().destroy(request, *args, **kwargs)

    def delete_object(self, instance) -> None:
        self.delete_service(self.request.user, instance)


def _schema(entity: str, *, create=None, update=None, delete: bool = False, read=None):
    """extend_schema_view for a CRM viewset: summaries, inputs and the read serializer.

    Without a delete service, DELETE is still documented: it answers 405 with the reason."""
    views = {
        "list": extend_schema(summary=f"List {entity} visible to me"),
        "retrieve": extend_schema(summary=f"Get one of the {entity}"),
    }
    if create:
        views["create"] = extend_schema(summary=f"Create ({entity})", request=create, responses={201: read})
    if update:
        views["partial_update"] = extend_schema(summary=f"Update ({entity})", request=update, responses=read)
    if delete:
        views["destroy"] = extend_schema(summary=f"Delete ({entity})")
    else:
        views["destroy"] = extend_schema(
            summary=f"Not offered: {entity} are not deleted",
            description="Always answers 405 (`method_not_allowed`) for callers with the delete "
            "permission; the message says what to do instead (e.g. close, cancel or deactivate).",
            responses={405: OpenApiResponse(ErrorSerializer, description="Records of this kind are kept.")},
        )
    return extend_schema_view(**views)


def _no_method(names):
    """Method names an entity without update/delete services does not answer."""
    return [m for m in ["get", "post", "patch", "delete", "head", "options"] if m not in names]


# -- customers -------------------------------------------------------------------------------------


@_schema(
    "customers",
    create=s.CustomerCreateInput,
    update=s.CustomerUpdateInput,
    delete=True,
    read=s.CustomerSerializer,
)
class CustomerViewSet(CrmViewSet):
    queryset = crm.Customer.objects.order_by("-id")
    serializer_class = s.CustomerSerializer
    input_serializers = {
        "create": s.CustomerCreateInput,
        "partial_update": s.CustomerUpdateInput,
        "transfer": s.CustomerTransferInput,
        "share": s.CustomerShareInput,
        "release": s.PoolReleaseInput,
        "level_change": s.LevelChangeInput,
        "merge_preview": sm.MergeInput,
        "merge": sm.MergeExecuteInput,
    }
    filterset_fields = ["owner", "level", "status", "pool", "credit_level", "portal_enabled"]
    search_fields = ["code", "name", "short_name", "phone", "email"]
    ordering_fields = ["code", "name", "created_at", "last_activity_at", "next_follow_up"]
    action_permissions = {
        "transfer": "change",
        "share": "change",
        "release": "change",
        "level_change": "change",
        # merging deletes a card: like the staff UI, it needs the delete permission
        "merge_preview": "delete",
        "merge": "delete",
    }
    audit_views = True

    def create_service(self, actor, data):
        if "owner" not in data:
            data["owner"] = ...
        return customers.customer_create(actor=actor, **data)

    def update_service(self, actor, obj, data):
        return customers.customer_update(actor=actor, customer=obj, **data)

    def delete_service(self, actor, obj):
        customers.customer_delete(actor=actor, customer=obj)

    @extend_schema(summary="Hand the customer to another customer manager", request=s.CustomerTransferInput)
    @action(detail=True, methods=["post"])
    def transfer(self, request, pk=None):
        customer = self.get_object()
        data = self._input("transfer")
        customers.customer_transfer(actor=request.user, customer=customer, **data.validated_data)
        return self._answer(customer)

    @extend_schema(summary="Share the card with one user, group or department", request=s.CustomerShareInput)
    @action(detail=True, methods=["post"])
    def share(self, request, pk=None):
        customer = self.get_object()
        data = dict(self._input("share").validated_data)
        if data.get("group") is not None:
            group = Group.objects.filter(pk=data["group"]).first()
            if group is None:
                raise ValidationFailed(_("No such group."), fields={"group": [_("No such group.")]})
            data["group"] = group
        customers.customer_share(actor=request.user, customer=customer, **data)
        return self._answer(customer)

    @extend_schema(
        summary="Ask for a new customer level (the level-change process decides)",
        request=s.LevelChangeInput,
        responses={201: s.LevelChangeRequestSerializer},
    )
    @action(detail=True, methods=["post"], url_path="level-change")
    def level_change(self, request, pk=None):
        customer = self.get_object()
        data = self._input("level_change")
        change = levels.customer_level_change_request(
            actor=request.user, customer=customer, **data.validated_data
        )
        return Response(s.LevelChangeRequestSerializer(change).data, status=status.HTTP_201_CREATED)

    def _merge_pair(self, request, data) -> tuple:
        """The two cards: 404 when one is not visible, 403 when visible but not mine to merge."""
        pair = []
        for side, operation in (("keep", "change"), ("remove", "delete")):
            pk = data[side]
            if not restrict(crm.Customer.objects, request.user, "view").filter(pk=pk).exists():
                raise NotFound(_("No such customer."), fields={side: [_("No such customer.")]})
            customer = restrict(crm.Customer.objects, request.user, operation).filter(pk=pk).first()
            if customer is None:
                raise NotPermitted(
                    _("You may see this customer but not %(action)s it.") % {"action": operation},
                    fields={side: [_("Not yours to %(action)s.") % {"action": operation}]},
                )
            pair.append(customer)
        if pair[0].pk == pair[1].pk:
            raise ValidationFailed(
                _("A customer cannot be merged with itself."),
                fields={"remove": [_("Choose another customer.")]},
            )
        return tuple(pair)

    @extend_schema(
        summary="Preview merging two customer cards: values side by side and what moves",
        request=sm.MergeInput,
        responses=sm.MergePreviewSerializer,
    )
    @action(detail=False, methods=["post"], url_path="merge-preview")
    def merge_preview(self, request):
        keep, remove = self._merge_pair(request, self._input("merge_preview").validated_data)
        kept, removed = snapshot(keep), snapshot(remove)
        fields = []
        for name in MERGEABLE_FIELDS:
            field = crm.Customer._meta.get_field(name)
            left, right = kept.get(field.attname), removed.get(field.attname)
            fields.append(
                {
                    "field": name,
                    "label": str(field.verbose_name),
                    "keep": left,
                    "remove": right,
                    "differ": left != right,
                    "default": merge_default_side(name, left, right),
                }
            )
        moving = merge_moving_counts(remove)
        body = {"keep": keep, "remove": remove, "fields": fields, "moving": moving}
        return Response(sm.MergePreviewSerializer(body).data)

    @extend_schema(
        summary="Merge two customer cards (客户合并); the removed card's records move to the kept one",
        request=sm.MergeExecuteInput,
        responses=s.CustomerSerializer,
    )
    @action(detail=False, methods=["post"])
    def merge(self, request):
        data = self._input("merge").validated_data
        keep, remove = self._merge_pair(request, data)
        kept = customer_merge(actor=request.user, keep=keep, remove=remove, choices=data["choices"])
        return self._answer(kept)

    @extend_schema(summary="Return the customer to a pool (释放)", request=s.PoolReleaseInput)
    @action(detail=True, methods=["post"])
    def release(self, request, pk=None):
        customer = self.get_object()
        data = self._input("release")
        pools.pool_release(actor=request.user, customer=customer, **data.validated_data)
        return Response(s.CustomerSerializer(crm.Customer.objects.get(pk=customer.pk)).data)


@extend_schema_view(
    list=extend_schema(summary="List customer pools (公海)"),
    retrieve=extend_schema(summary="Get a customer pool"),
)
class CustomerPoolViewSet(BatonReadOnlyViewSet):
    queryset = crm.CustomerPool.objects.order_by("code")
    serializer_class = s.CustomerPoolSerializer
    filterset_fields = ["active", "is_default"]
    action_permissions = {"customers": "view", "claim": "view"}

    @extend_schema(
        summary="The unowned customers waiting in this pool", responses=s.CustomerSerializer(many=True)
    )
    @action(detail=True, methods=["get"])
    def customers(self, request, pk=None):
        pool = self.get_object()
        waiting = crm.Customer.objects.filter(pool=pool, owner__isnull=True).order_by("-id")
        if not request.user.has_perm("crm.view_customer") and not request.user.is_superuser:
            waiting = waiting.none()
        page = self.paginate_queryset(waiting)
        return self.get_paginated_response(s.CustomerSerializer(page, many=True).data)

    @extend_schema(
        summary="Claim a customer from this pool (领取), within the claim limit",
        request=s.PoolClaimInput,
        responses=s.CustomerSerializer,
    )
    @action(detail=True, methods=["post"])
    def claim(self, request, pk=None):
        pool = self.get_object()
        data = s.PoolClaimInput(data=request.data)
        data.is_valid(raise_exception=True)
        customer = crm.Customer.objects.filter(pk=data.validated_data["customer"], pool=pool).first()
        if customer is None:
            raise NotFound(_("This pool has no such customer."))
        customer = pools.pool_claim(actor=request.user, customer=customer)
        return Response(s.CustomerSerializer(crm.Customer.objects.get(pk=customer.pk)).data)


# -- contacts --------------------------------------------------------------------------------------


@_schema("contacts", create=s.ContactCreateInput, update=s.ContactUpdateInput, read=s.ContactSerializer)
class ContactViewSet(CrmViewSet):
    queryset = crm.Contact.objects.order_by("-id")
    serializer_class = s.ContactSerializer
    delete_refusal = gettext_lazy("Set `active` to false, or move the contact (POST …/move/).")
    input_serializers = {
        "create": s.ContactCreateInput,
        "partial_update": s.ContactUpdateInput,
        "move": s.ContactMoveInput,
    }
    filterset_fields = ["customer", "is_primary", "active"]
    search_fields = ["name", "phone", "mobile", "email"]
    ordering_fields = ["name", "created_at"]
    action_permissions = {"move": "change"}
    audit_views = True

    def create_service(self, actor, data):
        return customers.contact_create(actor=actor, **data)

    def update_service(self, actor, obj, data):
        return customers.contact_update(actor=actor, contact=obj, **data)

    @extend_schema(
        summary="The contact changed employer", request=s.ContactMoveInput, responses=s.ContactSerializer
    )
    @action(detail=True, methods=["post"])
    def move(self, request, pk=None):
        contact = self.get_object()
        data = self._input("move")
        customers.contact_move(actor=request.user, contact=contact, **data.validated_data)
        return self._answer(contact)


# -- sales -----------------------------------------------------------------------------------------


@_schema("leads", create=s.LeadCreateInput, read=s.LeadSerializer)
class LeadViewSet(CrmViewSet):
    queryset = crm.Lead.objects.order_by("-id")
    serializer_class = s.LeadSerializer
    delete_refusal = gettext_lazy("Disqualify the lead (POST …/disqualify/).")
    input_serializers = {
        "create": s.LeadCreateInput,
        "disqualify": s.LeadDisqualifyInput,
        "convert": s.LeadConvertInput,
    }
    http_method_names = _no_method(["patch"])
    filterset_fields = ["owner", "status", "quality", "campaign"]
    search_fields = ["company_name", "contact_name", "phone", "email"]
    ordering_fields = ["created_at", "priority"]
    action_permissions = {"disqualify": "change", "convert": "change"}

    def create_service(self, actor, data):
        return sales.lead_create(actor=actor, **data)

    @extend_schema(summary="Disqualify the lead", request=s.LeadDisqualifyInput, responses=s.LeadSerializer)
    @action(detail=True, methods=["post"])
    def disqualify(self, request, pk=None):
        lead = self.get_object()
        sales.lead_disqualify(actor=request.user, lead=lead, **self._input("disqualify").validated_data)
        return self._answer(lead)

    @extend_schema(
        summary="Convert the lead into a customer, contact and opportunity",
        request=s.LeadConvertInput,
        responses=s.LeadConvertResult,
    )
    @action(detail=True, methods=["post"])
    def convert(self, request, pk=None):
        lead = self.get_object()
        customer, contact, opportunity = sales.lead_convert(
            actor=request.user, lead=lead, **self._input("convert").validated_data
        )
        body = {
            "customer": customer.pk,
            "contact": contact.pk if contact else None,
            "opportunity": opportunity.pk,
        }
        return Response(s.LeadConvertResult(body).data)


@_schema(
    "opportunities",
    create=s.OpportunityCreateInput,
    update=s.OpportunityUpdateInput,
    read=s.OpportunitySerializer,
)
class OpportunityViewSet(CrmViewSet):
    queryset = crm.Opportunity.objects.select_related("stage").order_by("-id")
    serializer_class = s.OpportunitySerializer
    delete_refusal = gettext_lazy("Close the deal as lost (POST …/close/).")
    input_serializers = {
        "create": s.OpportunityCreateInput,
        "partial_update": s.OpportunityUpdateInput,
        "close": s.OpportunityCloseInput,
    }
    filterset_fields = ["owner", "customer", "stage", "status", "campaign"]
    search_fields = ["name"]
    ordering_fields = ["created_at", "amount", "expected_close"]
    action_permissions = {"close": "change"}

    def create_service(self, actor, data):
        return sales.opportunity_create(actor=actor, **data)

    def update_service(self, actor, obj, data):
        return sales.opportunity_update(actor=actor, opportunity=obj, **data)

    @extend_schema(
        summary="Win or lose the deal", request=s.OpportunityCloseInput, responses=s.OpportunitySerializer
    )
    @action(detail=True, methods=["post"])
    def close(self, request, pk=None):
        opportunity = self.get_object()
        sales.opportunity_close(
            actor=request.user, opportunity=opportunity, **self._input("close").validated_data
        )
        return self._answer(opportunity)


@_schema("activities", create=s.ActivityCreateInput, read=s.ActivitySerializer)
class ActivityViewSet(CrmViewSet):
    queryset = crm.Activity.objects.order_by("-occurred_at", "-id")
    serializer_class = s.ActivitySerializer
    delete_refusal = gettext_lazy("Activities are the customer's history.")
    input_serializers = {"create": s.ActivityCreateInput}
    http_method_names = _no_method(["patch"])
    filterset_fields = ["owner", "customer", "contact", "opportunity", "kind"]
    search_fields = ["subject"]
    ordering_fields = ["occurred_at", "created_at"]

    def create_service(self, actor, data):
        return sales.activity_create(actor=actor, **data)


@_schema("campaigns", create=s.CampaignCreateInput, read=s.CampaignSerializer)
class CampaignViewSet(CrmViewSet):
    queryset = crm.Campaign.objects.order_by("-id")
    serializer_class = s.CampaignSerializer
    delete_refusal = gettext_lazy("Campaigns are kept with their members and costs.")
    http_method_names = _no_method(["patch"])
    filterset_fields = ["owner", "status"]
    search_fields = ["name"]
    ordering_fields = ["starts_on", "created_at"]

    input_serializers = {
        "create": s.CampaignCreateInput,
        "add_members": sm.CampaignMembersInput,
        "add_task": sm.CampaignTaskInput,
        "add_cost": sm.CampaignCostInput,
    }
    action_permissions = {
        "members": "view",
        "tasks": "view",
        "costs": "view",
        "roi": "view",
        "add_members": "change",
        "add_task": "change",
        "add_cost": "change",
    }

    def create_service(self, actor, data):
        return marketing.campaign_create(actor=actor, **data)

    def _children(self, related: str, serializer):
        campaign = self.get_object()
        page = self.paginate_queryset(getattr(campaign, related).order_by("id"))
        return self.get_paginated_response(serializer(page, many=True).data)

    def _add_child(self, service, serializer):
        campaign = self.get_object()
        data = self._input(self.action).validated_data
        row = service(actor=self.request.user, campaign=campaign, **data)
        return Response(serializer(row).data, status=status.HTTP_201_CREATED)

    @extend_schema(summary="The campaign's members", responses=sm.CampaignMemberSerializer(many=True))
    @action(detail=True, methods=["get"])
    def members(self, request, pk=None):
        return self._children("members", sm.CampaignMemberSerializer)

    @extend_schema(
        summary="Invite customers and contacts (each visible to me) to the campaign",
        request=sm.CampaignMembersInput,
        responses={201: sm.CountResult},
    )
    @members.mapping.post
    def add_members(self, request, pk=None):
        campaign = self.get_object()
        added = self._change_records(
            lambda data: marketing.campaign_add_members(actor=request.user, campaign=campaign, **data),
        )
        return Response({"count": added}, status=status.HTTP_201_CREATED)

    @extend_schema(summary="The campaign's tasks", responses=sm.CampaignTaskSerializer(many=True))
    @action(detail=True, methods=["get"])
    def tasks(self, request, pk=None):
        return self._children("tasks", sm.CampaignTaskSerializer)

    @extend_schema(
        summary="Give someone a task in the campaign",
        request=sm.CampaignTaskInput,
        responses={201: sm.CampaignTaskSerializer},
    )
    @tasks.mapping.post
    def add_task(self, request, pk=None):
        return self._add_child(marketing.campaign_add_task, sm.CampaignTaskSerializer)

    @extend_schema(summary="The campaign's costs", responses=sm.CampaignCostSerializer(many=True))
    @action(detail=True, methods=["get"])
    def costs(self, request, pk=None):
        return self._children("costs", sm.CampaignCostSerializer)

    @extend_schema(
        summary="Book a cost on the campaign",
        request=sm.CampaignCostInput,
        responses={201: sm.CampaignCostSerializer},
    )
    @costs.mapping.post
    def add_cost(self, request, pk=None):
        return self._add_child(marketing.campaign_add_cost, sm.CampaignCostSerializer)

    @extend_schema(
        summary="Costs against revenue won through the campaign", responses=sm.CampaignRoiSerializer
    )
    @action(detail=True, methods=["get"])
    def roi(self, request, pk=None):
        return Response(sm.CampaignRoiSerializer(campaign_roi(campaign=self.get_object())).data)


# -- commerce --------------------------------------------------------------------------------------


@_schema("products", create=s.ProductCreateInput, update=s.ProductUpdateInput, read=s.ProductSerializer)
class ProductViewSet(CrmViewSet):
    queryset = crm.Product.objects.order_by("code")
    serializer_class = s.ProductSerializer
    delete_refusal = gettext_lazy("Set `active` to false.")
    input_serializers = {"create": s.ProductCreateInput, "partial_update": s.ProductUpdateInput}
    filterset_fields = ["active", "code"]
    search_fields = ["code", "name", "spec"]
    ordering_fields = ["code", "name", "price"]

    def create_service(self, actor, data):
        return commerce.product_create(actor=actor, **data)

    def update_service(self, actor, obj, data):
        return commerce.product_update(actor=actor, product=obj, **data)


@extend_schema_view(
    list=extend_schema(summary="List stock moves (the inventory ledger)"),
    retrieve=extend_schema(summary="Get a stock move"),
)
class StockMoveViewSet(BatonReadOnlyViewSet):
    """The inventory ledger; a POST books stock in, out, a transfer or a count (via the services)."""

    queryset = crm.StockMove.objects.order_by("-id")
    serializer_class = s.StockMoveSerializer
    filterset_fields = ["product", "warehouse", "kind", "order"]
    ordering_fields = ["at", "id"]

    @extend_schema(
        summary="Book stock in, out, a transfer or a count",
        request=s.StockMoveInput,
        responses={201: s.StockMovesResult},
    )
    def create(self, request):
        data = s.StockMoveInput(data=request.data, context=self.get_serializer_context())
        data.is_valid(raise_exception=True)
        v = data.validated_data
        common = {"actor": request.user, "product": v["product"], "reference": v.get("reference", "")}
        with transaction.atomic():
            moves = self._book(v["kind"], v, common)
        return Response(
            {"moves": s.StockMoveSerializer(moves, many=True).data}, status=status.HTTP_201_CREATED
        )

    def _book(self, kind: str, v: dict, common: dict) -> list:
        if kind == "in":
            moves = [commerce.stock_in(warehouse=v["warehouse"], quantity=v["quantity"], **common)]
        elif kind == "out":
            moves = [
                commerce.stock_out(
                    warehouse=v["warehouse"], quantity=v["quantity"], order=v.get("order"), **common
                )
            ]
        elif kind == "transfer":
            if v.get("target_warehouse") is None:
                raise ValidationFailed(
                    _("A transfer needs a target warehouse."),
                    fields={"target_warehouse": [_("This field is required.")]},
                )
            moves = list(
                commerce.stock_transfer(
                    source=v["warehouse"], target=v["target_warehouse"], quantity=v["quantity"], **common
                )
            )
        else:
            counted = commerce.stock_count(warehouse=v["warehouse"], counted=v["quantity"], **common)
            moves = [counted] if counted is not None else []
        return moves


@_schema("orders", create=s.OrderCreateInput, read=s.OrderSerializer)
class OrderViewSet(CrmViewSet):
    queryset = crm.Order.objects.prefetch_related("lines").order_by("-id")
    serializer_class = s.OrderSerializer
    delete_refusal = gettext_lazy("Cancel the order (POST …/status/).")
    input_serializers = {"create": s.OrderCreateInput, "set_status": s.OrderStatusInput}
    http_method_names = _no_method(["patch"])
    filterset_fields = ["owner", "customer", "status", "contract", "opportunity"]
    search_fields = ["code", "notes"]
    ordering_fields = ["ordered_on", "created_at", "total_amount"]
    action_permissions = {"set_status": "change"}
    audit_views = True

    def create_service(self, actor, data):
        data["lines"] = [dict(line) for line in data["lines"]]
        return commerce.order_create(actor=actor, **data)

    @extend_schema(
        summary="Move the order to another status", request=s.OrderStatusInput, responses=s.OrderSerializer
    )
    @action(detail=True, methods=["post"], url_path="status")
    def set_status(self, request, pk=None):
        order = self.get_object()
        commerce.order_set_status(actor=request.user, order=order, **self._input("set_status").validated_data)
        return self._answer(order)


@_schema("contracts", create=s.ContractCreateInput, update=ss.ContractUpdateInput, read=s.ContractSerializer)
class ContractViewSet(CrmViewSet):
    queryset = crm.Contract.objects.order_by("-id")
    serializer_class = s.ContractSerializer
    delete_refusal = gettext_lazy("Contracts are kept for the history.")
    input_serializers = {
        "create": s.ContractCreateInput,
        "partial_update": ss.ContractUpdateInput,
        "set_status": ss.ContractStatusInput,
    }
    filterset_fields = ["owner", "customer", "status", "opportunity"]
    search_fields = ["code", "title"]
    ordering_fields = ["signed_on", "created_at", "amount"]
    action_permissions = {"set_status": "change"}

    def create_service(self, actor, data):
        return commerce.contract_create(actor=actor, **data)

    def update_service(self, actor, obj, data):
        return contracts.contract_update(actor=actor, contract=obj, **data)

    @extend_schema(
        summary="Submit for approval, record the signing, close",
        request=ss.ContractStatusInput,
        responses=s.ContractSerializer,
    )
    @action(detail=True, methods=["post"], url_path="status")
    def set_status(self, request, pk=None):
        contract = contracts.contract_set_status(
            actor=request.user, contract=self.get_object(), **self._input("set_status").validated_data
        )
        return self._answer(contract)


@_schema("payments", create=s.PaymentCreateInput, read=s.PaymentSerializer)
class PaymentViewSet(CrmViewSet):
    queryset = crm.Payment.objects.order_by("-id")
    serializer_class = s.PaymentSerializer
    delete_refusal = gettext_lazy("Record a correcting payment instead.")
    input_serializers = {"create": s.PaymentCreateInput}
    http_method_names = _no_method(["patch"])
    filterset_fields = ["customer", "order", "contract", "method"]
    search_fields = ["reference"]
    ordering_fields = ["paid_on", "amount"]

    def create_service(self, actor, data):
        return commerce.payment_record(actor=actor, **data)


# -- service ---------------------------------------------------------------------------------------


@_schema(
    "complaints", create=s.ComplaintCreateInput, update=s.ComplaintUpdateInput, read=s.ComplaintSerializer
)
class ComplaintViewSet(CrmViewSet):
    queryset = crm.Complaint.objects.order_by("-id")
    serializer_class = s.ComplaintSerializer
    delete_refusal = gettext_lazy("Close the complaint (PATCH status).")
    input_serializers = {"create": s.ComplaintCreateInput, "partial_update": s.ComplaintUpdateInput}
    filterset_fields = ["customer", "status", "severity", "channel", "handler", "category"]
    search_fields = ["code", "subject"]
    ordering_fields = ["created_at", "severity"]

    def create_service(self, actor, data):
        return service.complaint_submit(actor=actor, **data)

    def update_service(self, actor, obj, data):
        return service.complaint_update(actor=actor, complaint=obj, **data)


@_schema(
    "service requests",
    create=s.ServiceRequestCreateInput,
    update=s.ServiceRequestUpdateInput,
    read=s.ServiceRequestSerializer,
)
class ServiceRequestViewSet(CrmViewSet):
    queryset = crm.ServiceRequest.objects.order_by("-id")
    serializer_class = s.ServiceRequestSerializer
    delete_refusal = gettext_lazy("Close the service request (PATCH status).")
    input_serializers = {"create": s.ServiceRequestCreateInput, "partial_update": s.ServiceRequestUpdateInput}
    filterset_fields = ["customer", "status", "kind", "technician"]
    search_fields = ["code", "subject", "serial_number"]
    ordering_fields = ["created_at", "scheduled_at"]

    def create_service(self, actor, data):
        return service.service_request_submit(actor=actor, **data)

    def update_service(self, actor, obj, data):
        return service.service_request_update(actor=actor, request=obj, **data)


@extend_schema_view(
    list=extend_schema(summary="List customer levels"),
    retrieve=extend_schema(summary="Get a customer level"),
)
class CustomerLevelViewSet(BatonReadOnlyViewSet):
    queryset = crm.CustomerLevel.objects.order_by("sort_order", "code")
    serializer_class = s.CustomerLevelSerializer
    filterset_fields = ["active"]


@extend_schema_view(
    list=extend_schema(summary="List custom field definitions (values live in each record's `custom`)"),
    retrieve=extend_schema(summary="Get a custom field definition"),
)
class CustomFieldViewSet(BatonReadOnlyViewSet):
    queryset = crm.CustomFieldDefinition.objects.order_by("pk")
    serializer_class = s.CustomFieldDefinitionSerializer
    filterset_fields = ["entity"]
