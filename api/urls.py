"""The API's URL space: /api/v1/ endpoints, the OpenAPI schema and its two viewers."""

from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularRedocView, SpectacularSwaggerSplitView
from rest_framework.routers import DefaultRouter

from .permissions import ApiDocsAccess
from .views import audit, crm, crm_more, crm_sales, engine, integrations, org, reports

router = DefaultRouter()
router.include_root_view = False
# (first: the busiest endpoints are matched first)
router.register("tasks", engine.HumanTaskViewSet, basename="task")
router.register("process-instances", engine.ProcessInstanceViewSet, basename="instance")
router.register("departments", org.DepartmentViewSet, basename="department")
router.register("employees", org.EmployeeViewSet, basename="employee")
router.register("groups", org.GroupViewSet, basename="group")
router.register("tokens", org.ApiTokenViewSet, basename="token")
router.register("process-definitions", engine.DefinitionVersionViewSet, basename="definition")
router.register("incidents", engine.IncidentViewSet, basename="incident")
router.register("customers", crm.CustomerViewSet, basename="customer")
router.register("customer-pools", crm.CustomerPoolViewSet, basename="customerpool")
router.register("customer-levels", crm.CustomerLevelViewSet, basename="customerlevel")
router.register("contacts", crm.ContactViewSet, basename="contact")
router.register("leads", crm.LeadViewSet, basename="lead")
router.register("opportunities", crm.OpportunityViewSet, basename="opportunity")
router.register("activities", crm.ActivityViewSet, basename="activity")
router.register("campaigns", crm.CampaignViewSet, basename="campaign")
router.register("products", crm.ProductViewSet, basename="product")
router.register("stock-moves", crm.StockMoveViewSet, basename="stockmove")
router.register("orders", crm.OrderViewSet, basename="order")
router.register("contracts", crm.ContractViewSet, basename="contract")
router.register("payments", crm.PaymentViewSet, basename="payment")
router.register("quotations", crm_sales.QuotationViewSet, basename="quotation")
router.register("instalments", crm_sales.InstalmentViewSet, basename="instalment")
router.register("invoices", crm_sales.InvoiceViewSet, basename="invoice")
router.register("complaints", crm.ComplaintViewSet, basename="complaint")
router.register("service-requests", crm.ServiceRequestViewSet, basename="servicerequest")
router.register("custom-fields", crm.CustomFieldViewSet, basename="customfield")
router.register("import-jobs", crm_more.ImportJobViewSet, basename="importjob")
router.register("favourite-lists", crm_more.FavouriteListViewSet, basename="favouritelist")
router.register("expenses", crm_more.ExpenseViewSet, basename="expense")
router.register("expense-categories", crm_more.ExpenseCategoryViewSet, basename="expensecategory")
router.register("documents", crm_more.DocumentViewSet, basename="document")
router.register("budgets", crm_more.BudgetViewSet, basename="budget")
router.register("stock-levels", crm_more.StockLevelViewSet, basename="stocklevel")
router.register("stock-reservations", crm_more.StockReservationViewSet, basename="stockreservation")
router.register("mailings", integrations.MailingViewSet, basename="mailing")
router.register("audit-events", audit.AuditEventViewSet, basename="auditevent")
router.register("reports", reports.ReportViewSet, basename="report")

app_name = "api"
urlpatterns = [
    path("v1/me/", org.MeView.as_view(), name="me"),
    path("v1/messages/", engine.MessageView.as_view(), name="messages"),
    path("v1/exports/<str:entity>/", crm_more.ListExportView.as_view(), name="list-export"),
    path("v1/", include(router.urls)),
    path("schema/", SpectacularAPIView.as_view(permission_classes=[ApiDocsAccess]), name="schema"),
    # The split view serves its start-up script as a file: the Content-Security-Policy refuses inline ones.
    path(
        "docs/",
        SpectacularSwaggerSplitView.as_view(url_name="api:schema", permission_classes=[ApiDocsAccess]),
        name="docs",
    ),
    path(
        "redoc/",
        SpectacularRedocView.as_view(url_name="api:schema", permission_classes=[ApiDocsAccess]),
        name="redoc",
    ),
]
