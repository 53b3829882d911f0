"""Baton's bench approval (bench/data/approval.bpmn) as a viewflow flow: Start -> approve A (enter
the amount) -> If amount > 100 -> approve B -> Function (record the outcome) -> End."""

from viewflow import jsonstore, this
from viewflow.workflow import flow, lock
from viewflow.workflow.flow.views import UpdateProcessView
from viewflow.workflow.models import Process


class ApprovalProcess(Process):
    amount = jsonstore.IntegerField(default=0)
    approved = jsonstore.BooleanField(default=False)
    outcome = jsonstore.CharField(max_length=20, blank=True)

    class Meta:
        proxy = True


class ApprovalFlow(flow.Flow):
    process_class = ApprovalProcess
    lock_impl = lock.SelectForUpdateLock(nowait=False)

    start = flow.StartHandle(this.start_flow).Next(this.approve_a)
    approve_a = flow.View(UpdateProcessView.as_view(fields=["amount"])).Next(this.check_amount)
    check_amount = (
        flow.If(lambda activation: activation.process.amount > 100).Then(this.approve_b).Else(this.record)
    )
    approve_b = flow.View(UpdateProcessView.as_view(fields=["approved"])).Next(this.record)
    record = flow.Function(this.record_outcome).Next(this.end)
    end = flow.End()

    def start_flow(self, activation, **kwargs):
        activation.process.amount = 0
        return activation.process

    def record_outcome(self, activation):
        process = activation.process
        process.outcome = "approved" if process.approved or process.amount <= 100 else "rejected"
        process.save()
