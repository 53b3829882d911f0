"""The engine's figures for /metrics: human tasks created and completed, their latency, open
incidents and instances by status. Computed from the database when scraped."""

from __future__ import annotations

from datetime import timedelta

from django.db.models import Count, DurationField, ExpressionWrapper, F, Q, Sum
from django.utils import timezone
from prometheus_client.core import CounterMetricFamily, GaugeHistogramMetricFamily, GaugeMetricFamily

from .models import HumanTask, Incident, ProcessInstance

# Upper bounds (seconds) of the human step latency buckets: 1 min ... 1 week.
LATENCY_BUCKETS = (60, 300, 900, 3600, 4 * 3600, 24 * 3600, 7 * 24 * 3600)
LATENCY_WINDOW = timedelta(hours=1)


class EngineCollector:
    def collect(self):
        totals = HumanTask.objects.aggregate(
            created=Count("pk"),
            completed=Count("pk", filter=Q(status=HumanTask.Status.COMPLETED)),
            open=Count("pk", filter=Q(status=HumanTask.Status.READY)),
        )
        yield CounterMetricFamily(
            "baton_human_tasks_created", "Human tasks created since the start.", value=totals["created"]
        )
        yield CounterMetricFamily(
            "baton_human_tasks_completed", "Human tasks completed since the start.", value=totals["completed"]
        )
        yield GaugeMetricFamily(
            "baton_human_tasks_open", "Human tasks waiting for someone.", value=totals["open"]
        )
        yield self.latency()
        yield GaugeMetricFamily(
            "baton_incidents_open",
            "Open incidents (failed steps waiting for a retry or a person).",
            value=Incident.objects.filter(status=Incident.Status.OPEN).count(),
        )
        instances = GaugeMetricFamily(
            "baton_process_instances", "Process instances by status.", labels=["status"]
        )
        counts = dict(ProcessInstance.objects.values_list("status").annotate(n=Count("pk")).order_by())
        for status in ProcessInstance.Status.values:
            instances.add_metric([status], counts.get(status, 0))
        yield instances

    def latency(self):
        """From creation to completion, of the human tasks completed in the last hour."""
        recent = HumanTask.objects.filter(
            status=HumanTask.Status.COMPLETED, completed_at__gte=timezone.now() - LATENCY_WINDOW
        ).annotate(took=ExpressionWrapper(F("completed_at") - F("created_at"), output_field=DurationField()))
        figures = recent.aggregate(
            total=Count("pk"),
            seconds=Sum("took"),
            **{f"le{b}": Count("pk", filter=Q(took__lte=timedelta(seconds=b))) for b in LATENCY_BUCKETS},
        )
        buckets = [(str(float(b)), figures[f"le{b}"]) for b in LATENCY_BUCKETS]
        buckets.append(("+Inf", figures["total"]))
        total_seconds = figures["seconds"].total_seconds() if figures["seconds"] else 0.0
        return GaugeHistogramMetricFamily(
            "baton_human_step_latency_seconds",
            "Time from a human task's creation to its completion, tasks completed in the last hour.",
            buckets=buckets,
            gsum_value=total_seconds,
        )
