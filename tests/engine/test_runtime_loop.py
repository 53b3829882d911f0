"""Long loops at constant cost: the runtime compacts finished iterations out of the live task
tree, so a 10,000-iteration loop ends exactly when its gateway says so (SpiffWorkflow alone stops
at iteration 333, when its TaskIterator reaches depth 1000) and a step's state does not grow."""

import logging
import time

import pytest

from engine import parsing, runtime
from tests.engine.conftest import bpmn


@pytest.fixture(autouse=True)
def quiet_spiff():
    # SpiffWorkflow logs every state change at INFO; 10,000 iterations would drown in it.
    loggers = [logging.getLogger(name) for name in ("spiff", "spiff.task", "spiff.workflow")]
    levels = [lg.level for lg in loggers]
    for lg in loggers:
        lg.setLevel(logging.WARNING)
    yield
    for lg, level in zip(loggers, levels, strict=True):
        lg.setLevel(level)


def test_ten_thousand_iterations_end_only_when_the_gateway_says_so():
    # given the loop start -> join -> user task -> gateway -> back to join
    parsed = parsing.parse_files(bpmn("loop.bpmn"))
    workflow = runtime.new_workflow(parsed)
    runtime.run_engine(workflow)
    state = runtime.dump(workflow, parsed.dialect)
    sizes, tree_sizes, timings = {}, {}, {}
    # when the user task is completed 10,000 times, the state saved and reloaded every 100 steps
    iterations = 10_000
    for i in range(1, iterations + 1):
        started = time.perf_counter()
        if i % 100 == 0:
            workflow = runtime.load(state, parsed)
        [task] = runtime.ready_human_tasks(workflow)
        runtime.complete_human_task(workflow, task, {"done": i == iterations, "i": i})
        runtime.run_engine(workflow)
        runtime.compact(workflow)
        if i % 100 == 0 or i in (10, iterations):
            state = runtime.dump(workflow, parsed.dialect)
            sizes[i] = len(state)
        timings[i] = time.perf_counter() - started
        tree_sizes[i] = len(workflow.tasks)
        # then the process is not completed before the gateway chose the end
        assert workflow.is_completed() == (i == iterations), f"completed early at iteration {i}"
    assert workflow.data["i"] == iterations
    # and the live tree and the state are as small at the end as at the start
    assert max(tree_sizes.values()) <= 12
    assert sizes[9_900] <= sizes[100] * 1.05
    early = sorted(timings[i] for i in range(1, 1001))[500]
    late = sorted(timings[i] for i in range(9_001, 10_001))[500]
    assert late < early * 3, (early, late)


def test_parallel_branches_with_boundary_events_in_a_loop_stay_bounded():
    # given a loop around a parallel split whose right branch has a deadline boundary timer
    parsed = parsing.parse_files(bpmn("parallel_loop.bpmn"))
    workflow = runtime.new_workflow(parsed)
    runtime.run_engine(workflow)
    for i in range(1, 301):
        workflow = runtime.load(runtime.dump(workflow, parsed.dialect), parsed)
        tasks = {t.task_spec.bpmn_id: t for t in runtime.ready_human_tasks(workflow)}
        # when both branches are worked (every 3rd time the deadline fires instead of "right")
        assert set(tasks) == {"left", "right"}, i
        runtime.complete_human_task(workflow, tasks["left"], {"done": i == 300})
        runtime.run_engine(workflow)
        if i % 3 == 0 and i != 300:
            [timer] = [t for t in runtime.waiting_event_tasks(workflow) if t.task_spec.bpmn_id == "deadline"]
            assert runtime.force_fire_timer(timer)
        else:
            runtime.complete_human_task(workflow, tasks["right"], {"done": i == 300})
        runtime.run_engine(workflow)
        runtime.compact(workflow)
        # then the join waits for both each time and the tree does not grow
        assert len(workflow.tasks) < 40, (i, len(workflow.tasks))
        assert workflow.is_completed() == (i == 300)
