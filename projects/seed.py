"""Demo project: the spring product launch, run by the sales manager with product development,
marketing and the warehouse — tasks in every column, a dependency chain, milestones, a discussion.
Idempotent: skipped once a project of that name exists."""

from __future__ import annotations

import datetime

from django.utils import timezone

from org.models import User

from . import services
from .models import Project, ProjectMember, ProjectTask

NAME = "Spring product launch 春季新品发布"


def seed_demo(stdout) -> None:
    if Project.objects.filter(name=NAME).exists():
        return
    people = {
        u.username: u
        for u in User.objects.filter(
            username__in=["wang.fang", "zhang.wei", "gao.yuan", "ma.chao", "liu.yang"]
        )
    }
    if len(people) < 5:
        return
    today = timezone.localdate()

    def day(n: int) -> datetime.date:
        return today + datetime.timedelta(days=n)

    owner = people["wang.fang"]
    project = services.project_create(
        actor=owner,
        name=NAME,
        goal="Launch the new air purifier line to key accounts in the east region by the trade fair.\n"
        "在展会前向华东重点客户发布新款空气净化器。",
        starts_on=day(-10),
        ends_on=day(35),
        members=[
            (people["gao.yuan"], ProjectMember.Role.MANAGER),
            (people["zhang.wei"], ProjectMember.Role.MEMBER),
            (people["ma.chao"], ProjectMember.Role.MEMBER),
            (people["liu.yang"], ProjectMember.Role.OBSERVER),
        ],
    )
    samples = services.milestone_add(
        actor=owner, project=project, name="Samples ready 样机就绪", due_on=day(7)
    )
    services.milestone_add(actor=owner, project=project, name="Trade fair 展会", due_on=day(30))

    def task(title, who, start, due, *, after=(), priority=ProjectTask.Priority.NORMAL, milestone=None):
        return services.task_create(
            actor=owner,
            project=project,
            title=title,
            assignee=people[who],
            starts_on=day(start),
            due_on=day(due),
            priority=priority,
            milestone=milestone,
            predecessors=list(after),
        )

    spec = task("Final product spec 确定产品规格", "gao.yuan", -10, -4, milestone=samples)
    samples_task = task("Build 20 samples 制作20台样机", "gao.yuan", -3, 6, after=[spec], milestone=samples)
    brochure = task(
        "Write the brochure 编写宣传册", "zhang.wei", -2, 1, after=[spec], priority=ProjectTask.Priority.HIGH
    )
    accounts = task("Invite key accounts 邀请重点客户", "zhang.wei", 2, 14, after=[brochure])
    task("Ship samples to the fair 样机运往展会", "ma.chao", 20, 27, after=[samples_task, accounts])
    services.task_move(actor=owner, task=spec, status=ProjectTask.Status.DONE)
    services.task_move(actor=people["gao.yuan"], task=samples_task, status=ProjectTask.Status.DOING)
    services.comment_add(
        actor=people["gao.yuan"], project=project, text="Spec frozen: CADR 400, three colours. 规格已冻结。"
    )
    services.comment_add(
        actor=owner, project=project, text="Brochure draft by tomorrow please. 宣传册明天给初稿。"
    )
    stdout.write(f"  projects: {Project.objects.count()} project, {project.tasks.count()} tasks")
