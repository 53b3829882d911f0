"""CRM models.

Glossary (Chinese business term = English name used in code):
客户 / 客户卡片 = customer / customer card; 客户编号 = code; 客户经理 = owner (customer manager);
客户状态/级别/类型/来源/行业/地区 = status / level / customer_type / source / industry / region;
信用等级 = credit level; 客户共享 = customer share; 客户合并 = customer merge; 查重 = duplicate check;
公海 = customer pool; 领取 = claim; 退回/释放 = release; 分配 = assign; 回收 = recycle;
联系人 = contact; 上级 = superior; 工作经历 = employment history; 联系记录/销售活动 = activity;
下次跟进 = next follow-up; 线索 = lead; 销售机会/商机 = opportunity; 阶段 = stage; 赢单/丢单 = won/lost;
竞争对手 = competitor; 合作伙伴 = partner; 产品 = product; 库存 = stock; 仓库 = warehouse;
入库/出库/调拨/盘点 = stock in / out / transfer / count; 合同 = contract; 订单 = order;
回款 = payment; 应收款 = receivable; 费用 = expense; 市场活动 = campaign; 投诉 = complaint;
服务请求 = service request;
咨询 = consultation; 资料/文档 = document; 派工 = dispatch; 服务记录 = service record;
收藏夹 = favourite list; 自定义字段 = custom field; 查询收藏 = saved query; 导入/导出 = import / export;
预算 = budget; 预留 = reservation; 报价单 = quotation; 回款计划 = payment plan (instalments);
发票 = invoice; 销售目标 = sales target (a line of a sales budget); 上门服务 = field service;
工单 = work record; 技能 = skills; 产品问题 = product issue; 产品研发 = product development.
"""

from .base import ChoiceList, ChoiceOption, CodeSequence
from .budgets import Budget, BudgetAdjustment, BudgetLine
from .consultations import CaseMessage, Consultation
from .customers import (
    Contact,
    ContactEmployment,
    CreditLevel,
    Customer,
    CustomerChange,
    CustomerLevel,
    CustomerMerge,
    CustomerShare,
    LevelChangeRequest,
    ShareLevel,
)
from .documents import Document
from .field import FieldPhoto, ProductIssue, TechnicianProfile
from .misc import (
    CustomFieldDefinition,
    Expense,
    ExpenseCategory,
    FavouriteItem,
    FavouriteList,
    ImportJob,
    SavedQuery,
)
from .orders import Contract, Order, OrderLine, Payment
from .pools import CustomerPool, PoolMove
from .products import (
    PriceList,
    Product,
    ProductCategory,
    ProductPrice,
    StockLevel,
    StockMove,
    StockReservation,
    Warehouse,
)
from .quotations import Quotation, QuotationLine
from .receivables import Instalment, Invoice
from .sales import (
    Activity,
    Campaign,
    CampaignCost,
    CampaignMember,
    CampaignTask,
    Competitor,
    Cooperation,
    Lead,
    LeadAssignmentRule,
    Opportunity,
    OpportunityStageSpell,
)
from .sales_processes import SalesProcess, SalesStage
from .service import CalendarDay, Complaint, ServiceRecord, ServiceRequest, SlaPolicy, WorkingHours

__all__ = [
    "Activity",
    "Budget",
    "BudgetAdjustment",
    "BudgetLine",
    "CalendarDay",
    "Campaign",
    "CampaignCost",
    "CampaignMember",
    "CampaignTask",
    "CaseMessage",
    "ChoiceList",
    "ChoiceOption",
    "CodeSequence",
    "Competitor",
    "Complaint",
    "Consultation",
    "Contact",
    "ContactEmployment",
    "Contract",
    "Cooperation",
    "CreditLevel",
    "CustomFieldDefinition",
    "Customer",
    "CustomerChange",
    "CustomerLevel",
    "CustomerMerge",
    "CustomerPool",
    "CustomerShare",
    "Document",
    "Expense",
    "ExpenseCategory",
    "FavouriteItem",
    "FavouriteList",
    "FieldPhoto",
    "ImportJob",
    "Instalment",
    "Invoice",
    "Lead",
    "LeadAssignmentRule",
    "LevelChangeRequest",
    "Opportunity",
    "OpportunityStageSpell",
    "Order",
    "OrderLine",
    "Payment",
    "PoolMove",
    "PriceList",
    "Product",
    "ProductCategory",
    "ProductIssue",
    "ProductPrice",
    "Quotation",
    "QuotationLine",
    "SalesProcess",
    "SalesStage",
    "SavedQuery",
    "ServiceRecord",
    "ServiceRequest",
    "ShareLevel",
    "SlaPolicy",
    "StockLevel",
    "StockMove",
    "StockReservation",
    "TechnicianProfile",
    "Warehouse",
    "WorkingHours",
]
