"""The conformance cases: SpiffWorkflow's own BPMN/DMN test models (see data/README.md), each played
through Baton's services with the assertions of the SpiffWorkflow test named in `origin`."""

from datetime import UTC, datetime, timedelta

from .driver import (
    Case,
    Complete,
    CompleteAll,
    ExpectData,
    ExpectFailure,
    ExpectOpen,
    Message,
    Signal,
    Start,
    Wait,
)

TW = "Test-Workflows/"
CP = "camunda-platform/"
LONG_TASK = "sid-6FBBB56D-00CD-4C2B-9345-486986BB4992"
ACK_TASK = "sid-D3365C47-2FAE-4D17-98F4-E68B345E18CE"
SP_WORK = "sid-137E71C6-FE26-418B-AFC0-1083027370F7"
SP_ACK = "sid-4B320727-A78F-47E7-98CF-F589994A1C64"
SP_DONE = "sid-2BCA4F40-F885-4E59-9646-24E458BBC873"
THREAD_2_CHOOSE = "sid-23391B60-C6A7-4C9E-9F95-43EA84ECFB74"
VARS_REFUSED = (
    "the called model's condition uses vars()/globals(), which the script sandbox refuses by design; "
    "the deployment is rejected with a located error"
)
ESCALATION = [
    f"{TW}CallActivity-Escalation-Test.bpmn20.xml",
    f"{TW}CallActivity-Escalation-Test-Sub.bpmn20.xml",
]


def _pay_rate(params, data):
    # the assertions of SpiffWorkflow's ServiceTaskDelegate, on the evaluated parameters
    assert params == {"api_key": "secret:BAMBOOHR_API_KEY", "employee_id": 4, "subdomain": "ServiceTask"}
    return {"amount": "65000.00", "currency": "USD", "id": "4", "payRate": "65000.00 USD"}


def _current_temp(params, data):
    assert params == {"zipcode": 22980}
    return {"temp": "72F"}


CASES = [
    # -- exclusive gateways ------------------------------------------------------------------------
    Case(
        "exclusive-no-default-no-match",
        ["exclusive_gateway_no_default.bpmn"],
        [Start({"x": 1}), ExpectFailure("Gateway_CheckValue")],
        origin="bpmn/ExclusiveGatewayNoDefaultTest.testRunThroughHappy",
        status="error",
    ),
    Case(
        "exclusive-condition-branch",
        ["camunda/ExclusiveGatewayIfElseAndDecision.bpmn", "camunda/dmn/test_integer_decision.dmn"],
        [Start({"x": 1})],
        origin="camunda/BusinessRuleTaskParserTest (x == 1 branch)",
        data={"x": 1},
        path=["EndEvent_0ofyivj"],
        not_path=["TaskDecision"],
    ),
    # -- inclusive gateways ------------------------------------------------------------------------
    Case(
        "inclusive-default-only",
        ["inclusive_gateway.bpmn"],
        [Start(), Complete("set_data", {"v": -1, "u": -1, "w": -1})],
        origin="bpmn/InclusiveGatewayTest.testDefaultConditionOnly",
        data={"v": 0, "u": -1, "w": -1},
        path=["increment_v"],
        not_path=["u_plus_v", "w_plus_v"],
    ),
    Case(
        "inclusive-parallel-conditions",
        ["inclusive_gateway.bpmn"],
        [Start(), Complete("set_data", {"v": 0, "u": 1, "w": 1})],
        origin="bpmn/InclusiveGatewayTest.testParallelCondition",
        data={"v": 0, "u": 1, "w": 1},
        path=["u_plus_v", "w_plus_v"],
        not_path=["increment_v"],
    ),
    Case(
        "inclusive-no-path-from-second-gateway",
        ["inclusive_gateway.bpmn"],
        [Start(), Complete("set_data", {"v": 0, "u": -1, "w": -1}), ExpectFailure("second")],
        origin="bpmn/InclusiveGatewayTest.testNoPathFromSecondGateway",
        status="error",
    ),
    Case(
        "inclusive-join-long",
        [f"{TW}Parallel-Join-Long-Inclusive.bpmn20.xml"],
        [Start(), Complete("Thread 1 - Choose", {"choice": "Yes"})]
        + [Complete(f"Thread 1 - Task {i}") for i in range(1, 13)]
        + [
            ExpectOpen([THREAD_2_CHOOSE]),
            Complete("Thread 2 - Choose", {"choice": "No"}),
            Complete("Done"),
            Complete("Thread 2 - No Task"),
        ],
        origin="bpmn/parallel_gateway_tests/ParallelJoinLongInclusiveTest.testRunThroughThread1FirstThenNo",
    ),
    # -- parallel gateways -------------------------------------------------------------------------
    Case(
        "parallel-order",
        ["ParallelOrder.bpmn"],
        [
            Start(),
            ExpectOpen(["Activity_0x0i4s3", "Activity_1spu8el", "Activity_1aj4dg6", "Activity_0wjwnuk"]),
            CompleteAll(),
        ],
        origin="bpmn/parallel_gateway_tests/ParallelOrderTest",
        path=["Gateway_1ocoth5"],
    ),
    Case(
        "parallel-then-exclusive",
        [f"{TW}Parallel-Then-Exclusive.bpmn20.xml"],
        [
            Start(),
            Complete("Parallel Task"),
            Complete("Choice 1", {"choice": "No"}),
            ExpectOpen(["sid-2A302E91-F89F-4913-8F55-5C3AC5FAE4D3"]),
            Complete("No Task"),
            Complete("Done"),
        ],
        origin="bpmn/parallel_gateway_tests/ParallelThenExclusiveTest.testRunThroughChoiceFirst",
        path=["sid-2A302E91-F89F-4913-8F55-5C3AC5FAE4D3"],
        not_path=["sid-34AD79D9-BE0C-4F97-AC23-7A97D238A6E5"],
    ),
    Case(
        "parallel-multiple-splits-and-joins",
        [f"{TW}Parallel-Multiple-Splits-And-Joins.bpmn20.xml"],
        [Start(), CompleteAll()],
        origin="bpmn/parallel_gateway_tests/ParallelMultipleSplitsAndJoinsTest",
    ),
    Case(
        "parallel-many-threads-at-same-point",
        [f"{TW}Parallel-Many-Threads-At-Same-Point.bpmn20.xml"],
        [Start(), CompleteAll()],
        origin="bpmn/parallel_gateway_tests/ParallelManyThreadsAtSamePointTest",
    ),
    Case(
        "parallel-one-path-ends",
        [f"{TW}Parallel-One-Path-Ends.bpmn20.xml"],
        [Start(), CompleteAll({"choice": "No"})],
        origin="bpmn/parallel_gateway_tests/ParallelOnePathEndsTest.testRunThroughParallelTaskFirst",
    ),
    Case(
        "parallel-through-same-task",
        [f"{TW}Parallel-Through-Same-Task.bpmn20.xml"],
        [Start(), CompleteAll({"choice": "No"})],
        origin="bpmn/parallel_gateway_tests/ParallelThroughSameTaskTest",
    ),
    Case(
        "parallel-gateway-loop-input",
        ["gateway_loop_input.bpmn"],
        [Start(), CompleteAll()],
        origin="bpmn/parallel_gateway_tests/ParallelGatewayLoopInputTest",
        data_has={"x": 2},
    ),
    # -- event-based gateway -----------------------------------------------------------------------
    Case(
        "event-gateway-message-wins",
        ["event-gateway.bpmn"],
        [Start(), Message("message_1")],
        origin="bpmn/events/EventBasedGatewayTest.testEventBasedGateway",
        path=["message_1_event", "message_1_end"],
        not_path=["message_2_event", "timer_event"],
    ),
    Case(
        "event-gateway-timer-wins",
        ["event-gateway.bpmn"],
        [Start(), Wait(5), Message("message_1", matched=False)],
        origin="bpmn/events/EventBasedGatewayTest.testTimeout",
        path=["timer_event", "timer"],
        not_path=["message_1_event", "message_2_event"],
    ),
    # -- sub-processes and call activities ---------------------------------------------------------
    Case(
        "embedded-subprocess-with-parallel",
        ["camunda/subWorkflowComplex.bpmn"],
        [
            Start(),
            Complete("Activity_A", {"FieldA": "A"}),
            Complete("Activity_A1", {"FieldA1": "A1"}),
            Complete("Activity_A2", {"FieldA2": "A2"}),
            Complete("Activity_B", {"FieldB": "B"}),
        ],
        origin="camunda/SubWorkflowTest",
        data={"FieldA": "A", "FieldA1": "A1", "FieldA2": "A2", "FieldB": "B"},
    ),
    Case(
        "call-activity-data",
        ["call_activity_end_event.bpmn", "call_activity_call_activity.bpmn"],
        [Start()],
        origin="bpmn/CallActivityTest.test_data_persists_through_call_activity",
        data={"pre_var": "some string", "my_var": "World", "my_other_var": "Mike"},
        path=["Activity_Call_Activity", "Sub_Bpmn_Task"],
    ),
    Case(
        "call-activity-error-in-called-process",
        ["call_activity_with_error.bpmn", "call_activity_call_activity.bpmn"],
        [Start(), ExpectFailure("Sub_Bpmn_Task", "remove_this_var")],
        origin="bpmn/CallActivityTest.test_call_activity_errors_include_task_trace",
        status="error",
    ),
    Case(
        "nested-call-activities",
        [
            f"{TW}Nested-Subprocesses.bpmn20.xml",
            f"{TW}Nested-Sub-level1.bpmn20.xml",
            f"{TW}Nested-Sub-level2.bpmn20.xml",
        ],
        [
            Start(),
            Complete("Action1"),
            ExpectOpen(["sid-1B59DCD2-83A0-4687-B7BE-83625395572E"]),
            Complete("Action2"),
            Complete("Action3"),
        ],
        origin="bpmn/NestedProcessesTest.testRunThroughHappy",
    ),
    Case(
        "lanes-and-embedded-subprocess",
        ["lanes.bpmn"],
        [
            Start(),
            ExpectOpen(["Activity_A1"]),
            Complete("Activity_A1"),
            Complete("Activity_B1", {"NeedClarification": False}),
            Complete("Implement_Feature"),
            Complete("Activity_1uksrqx"),
            ExpectOpen(["SubProcessTask"]),
            Complete("SubProcessTask"),
        ],
        origin="bpmn/SwimLaneTest.testRunThroughHappy",
        not_path=["Activity_A2"],
    ),
    # -- multi-instance and loops ------------------------------------------------------------------
    Case(
        "sequential-multiinstance-cardinality",
        ["sequential_multiinstance_cardinality.bpmn"],
        [
            Start(),
            ExpectOpen(["any_task"]),
            Complete("any_task", {"output_item": 0}),
            ExpectOpen(["any_task"]),
            Complete("any_task", {"output_item": 2}),
            Complete("any_task", {"output_item": 4}),
        ],
        origin="bpmn/SequentialMultiInstanceTest.SequentialMultiInstanceCardinalityTest",
        data={"output_data": [0, 2, 4]},
    ),
    Case(
        "parallel-multiinstance-cardinality",
        ["parallel_multiinstance_cardinality.bpmn"],
        [Start(), ExpectOpen(["any_task"] * 3), CompleteAll({"output_item": 1})],
        origin="bpmn/ParallelMultiInstanceTest.ParallelMultiInstanceCardinalityTest",
        data={"output_data": [1, 1, 1]},
    ),
    Case(
        "parallel-multiinstance-collection",
        ["parallel_multiinstance_loop_input.bpmn"],
        [
            Start({"input_data": [1, 2, 3]}),
            ExpectOpen(["any_task", "any_task", "any_task"]),
            Complete("any_task", {"output_item": 2}),
            Complete("any_task", {"output_item": 4}),
            Complete("any_task", {"output_item": 6}),
        ],
        origin="bpmn/ParallelMultiInstanceTest.ParallelMultiInstanceNewOutputTest.testList",
        data={"input_data": [1, 2, 3], "output_data": [2, 4, 6]},
    ),
    Case(
        "sequential-multiinstance-collection",
        ["sequential_multiinstance_loop_input.bpmn"],
        [
            Start({"input_data": [1, 2, 3]}),
            ExpectOpen(["any_task"]),
            Complete("any_task", {"output_item": 2}),
            Complete("any_task", {"output_item": 4}),
            Complete("any_task", {"output_item": 6}),
        ],
        origin="bpmn/SequentialMultiInstanceTest.SequentialMultiInstanceNewOutputTest.testList",
        data={"input_data": [1, 2, 3], "output_data": [2, 4, 6]},
    ),
    Case(
        "spiff-multiinstance-pre-and-post-scripts",
        ["spiff/spiff_multiinstance.bpmn"],
        [
            Start({"input_data": [1, 2, 3]}),
            Complete("any_task", {"output_item": 4}),
            Complete("any_task", {"output_item": 6}),
            Complete("any_task", {"output_item": 8}),
        ],
        origin="spiff/MultiInstanceTaskTest.testMultiInstanceTask",
        data={"input_data": [2, 3, 4], "output_data": [3, 5, 7]},
    ),
    Case(
        "camunda-multiinstance-collection",
        ["camunda/parallel_multiinstance_collection.bpmn"],
        [Start({"input_data": [1, 2, 3]}), ExpectOpen(["any_task"] * 3), CompleteAll()],
        origin="camunda/ParseMultiInstanceTest.testCollectionInCardinality",
    ),
    Case(
        "standard-loop-maximum",
        ["standard_loop.bpmn"],
        [Start({"done": False})]
        + [Complete("any_task", {str(i): True}) for i in range(3)]
        + [ExpectOpen([])],
        origin="bpmn/StandardLoopTest.testLoopMaximum",
        data_has={"0": True, "1": True, "2": True},
    ),
    Case(
        "standard-loop-condition",
        ["standard_loop.bpmn"],
        [Start({"done": False}), Complete("any_task", {"done": True})],
        origin="bpmn/StandardLoopTest.testLoopCondition",
    ),
    Case(
        "standard-loop-skipped",
        ["standard_loop.bpmn"],
        [Start({"done": True}), ExpectOpen([])],
        origin="bpmn/StandardLoopTest.testSkipLoop",
    ),
    # -- timers ------------------------------------------------------------------------------------
    Case(
        "timer-intermediate-duration",
        ["timer.bpmn"],
        [Start(), ExpectOpen([]), Wait(1)],
        origin="bpmn/events/TimerDurationTest",
        path=["Event_0bxivgz"],
    ),
    Case(
        "timer-intermediate-date-from-data",
        [f"{TW}Timer-Intermediate.bpmn20.xml"],
        [
            Start({"due_time": (datetime.now(UTC) + timedelta(minutes=5)).isoformat()}),
            Wait(1),
            ExpectData({}),
            Wait(600),
        ],
        origin="bpmn/events/TimerIntermediateTest",
        path=["sid-AB1683F9-F260-499B-A04C-F7ADA9C64817"],
    ),
    Case(
        "timer-boundary-non-interrupting-on-task",
        ["boundary_timer_on_task.bpmn"],
        [Start(), Wait(1), ExpectOpen(["user_task"]), Complete("user_task")],
        origin="bpmn/events/TimerDurationBoundaryOnTaskTest",
        path=["Event_0y4hbl0", "set_variable"],
    ),
    Case(
        "timer-boundary-non-interrupting-on-subprocess",
        ["timer-non-interrupt-boundary.bpmn"],
        [
            Start(),
            ExpectOpen(["Activity_Work"]),
            Wait(1),
            ExpectOpen(["Activity_Work", "GetReason"]),
            Complete("GetReason", {"delay_reason": "Just Because"}),
            Complete("Activity_Work", {"work_done": "Yes"}),
        ],
        origin="bpmn/events/NITimerDurationBoundaryTest",
        data={"work_done": "Yes", "delay_reason": "Just Because"},
    ),
    Case(
        "timer-boundary-interrupting-on-subprocess",
        ["boundary.bpmn"],
        [
            Start(),
            Complete("Activity_09c27ms"),
            ExpectOpen(["Activity_Pester_Dad"]),
            Wait(1),
            ExpectOpen(["Activity_1ya1db2"]),
            CompleteAll(),
        ],
        origin="bpmn/events/TimerDurationBoundaryTest",
        path=["Event_0iiih8g"],
    ),
    # -- messages ----------------------------------------------------------------------------------
    Case(
        "message-intermediate-catch",
        [f"{TW}Messages.bpmn20.xml"],
        [Start(), ExpectOpen([]), Message("Wrong Message", matched=False), Message("Test Message")],
        origin="bpmn/events/MessagesTest.testRunThroughHappy",
        path=["sid-DF69AC93-16C3-405D-9FB1-9B2539519372"],
    ),
    Case(
        "message-boundary-interrupting-not-sent",
        [f"{TW}Message-Interrupts.bpmn20.xml"],
        [Start(), Complete(LONG_TASK), ExpectOpen([]), Message("Test Message", matched=False)],
        origin="bpmn/events/MessageInterruptsTest.testRunThroughHappy",
        path=[LONG_TASK],
        not_path=[ACK_TASK],
    ),
    Case(
        "message-boundary-interrupting",
        [f"{TW}Message-Interrupts.bpmn20.xml"],
        [
            Start(),
            ExpectOpen([LONG_TASK]),
            Message("Test Message"),
            ExpectOpen([ACK_TASK]),
            Complete(ACK_TASK),
        ],
        origin="bpmn/events/MessageInterruptsTest.testRunThroughMessageInterrupt",
        path=[ACK_TASK],
        not_path=[LONG_TASK],
    ),
    Case(
        "message-boundary-non-interrupting",
        [f"{TW}Message-Non-Interrupt.bpmn20.xml"],
        [
            Start(),
            Message("Test Message"),
            ExpectOpen([LONG_TASK, ACK_TASK]),
            Complete(ACK_TASK),
            Complete(LONG_TASK),
        ],
        origin="bpmn/events/MessageNonInterruptTest.testRunThroughMessageInterrupt",
        path=[LONG_TASK, ACK_TASK],
    ),
    Case(
        "message-boundary-interrupting-on-subprocess",
        [f"{TW}Message-Interrupts-SP.bpmn20.xml"],
        [Start(), Message("Test Message"), CompleteAll()],
        origin="bpmn/events/MessageInterruptsSpTest.testRunThroughInterruptSaveAndRestore",
        path=[SP_ACK],
        not_path=[SP_DONE],
    ),
    Case(
        "message-boundary-non-interrupting-on-subprocess",
        [f"{TW}Message-Non-Interrupt-SP.bpmn20.xml"],
        [Start(), Message("Test Message"), ExpectOpen([SP_WORK, SP_ACK]), CompleteAll()],
        origin="bpmn/events/MessageNonInterruptsSpTest.testRunThroughMessageOrder",
        path=[SP_ACK, SP_DONE],
    ),
    # -- errors, escalations, cancel, signals ------------------------------------------------------
    Case(
        "error-end-event-caught-by-boundary-with-payload",
        ["spiff/error_event_payload.bpmn"],
        [Start(), Complete("set_data", {"error": True, "payload": "ERROR!"})],
        origin="spiff/EventPayloadTest.testErrorEvent",
        data={"result": "ERROR!"},
        path=["catch"],
    ),
    Case(
        "escalation-end-event-caught-by-boundary-with-payload",
        ["spiff/escalation_event_payload.bpmn"],
        [Start(), Complete("set_data", {"escalation": True, "payload": "ERROR!"})],
        origin="spiff/EventPayloadTest.testEscalationEvent",
        data={"result": "ERROR!"},
        path=["catch"],
    ),
    Case(
        "escalation-uncaught",
        ["uncaught_escalation.bpmn"],
        [Start()],
        origin="bpmn/events/UncaughtEscalationTest",
        path=["Event_0rc21k6"],
    ),
    Case(
        "escalation-from-call-activities",
        ESCALATION,
        [Start({"should_escalate": True}), CompleteAll()],
        origin="bpmn/events/CallActivityEscalationTest.testShouldEscalate",
        xfail=VARS_REFUSED,
        path=[
            "EndEvent_specific1_noninterrupting_normal",
            "EndEvent_specific1_noninterrupting_escalated",
            "EndEvent_specific1_interrupting_escalated",
            "EndEvent_specific2_noninterrupting_normal",
            "EndEvent_specific2_noninterrupting_escalated",
            "EndEvent_specific2_interrupting_escalated",
            "EndEvent_general_noninterrupting_normal",
            "EndEvent_general_noninterrupting_escalated",
            "EndEvent_general_interrupting_escalated",
        ],
        not_path=[
            "EndEvent_specific1_interrupting_normal",
            "EndEvent_specific2_noninterrupting_missingvariable",
            "EndEvent_specific2_interrupting_normal",
            "EndEvent_specific2_interrupting_missingvariable",
            "EndEvent_general_interrupting_normal",
        ],
    ),
    Case(
        "escalation-not-raised-from-call-activities",
        ESCALATION,
        [Start({"should_escalate": False}), CompleteAll()],
        origin="bpmn/events/CallActivityEscalationTest.testShouldNotEscalate",
        xfail=VARS_REFUSED,
        path=[
            "EndEvent_specific1_noninterrupting_normal",
            "EndEvent_specific1_interrupting_normal",
            "EndEvent_specific2_noninterrupting_normal",
            "EndEvent_general_noninterrupting_normal",
        ],
        not_path=[
            "EndEvent_specific1_noninterrupting_escalated",
            "EndEvent_specific1_interrupting_escalated",
            "EndEvent_specific2_noninterrupting_escalated",
            "EndEvent_general_noninterrupting_escalated",
        ],
    ),
    Case(
        "transaction-normal-completion",
        ["transaction.bpmn"],
        [
            Start(),
            Complete("Activity_Get_Data", {"value": "asdf"}),
            Complete("Activity_Get_Quantity", {"quantity": 2}),
        ],
        origin="bpmn/events/TransactionSubprocessTest.testNormalCompletion",
        data_has={"value": "asdf", "quantity": 2},
        path=["Subprocess", "Activity_Print_Data"],
        not_path=["Cancel_Action", "Error_1_Action", "Error_None_Action"],
    ),
    Case(
        "transaction-cancel-event",
        ["transaction.bpmn"],
        [Start(), Complete("Activity_Get_Data", {"value": ""})],
        origin="bpmn/events/TransactionSubprocessTest.testSubworkflowCancelEvent",
        data_lacks=["value"],
        path=["Cancel_Action"],
        not_path=["Activity_Print_Data", "Error_1_Action", "Error_None_Action"],
    ),
    Case(
        "transaction-error-without-code",
        ["transaction.bpmn"],
        [
            Start(),
            Complete("Activity_Get_Data", {"value": "asdf"}),
            Complete("Activity_Get_Quantity", {"quantity": 0}),
        ],
        origin="bpmn/events/TransactionSubprocessTest.testSubworkflowErrorCodeNone",
        path=["Error_None_Action"],
        not_path=["Activity_Print_Data", "Cancel_Action", "Error_1_Action"],
    ),
    Case(
        "transaction-error-with-code",
        ["transaction.bpmn"],
        [
            Start(),
            Complete("Activity_Get_Data", {"value": "asdf"}),
            Complete("Activity_Get_Quantity", {"quantity": -1}),
        ],
        origin="bpmn/events/TransactionSubprocessTest.testSubworkflowErrorCodeOne",
        path=["Error_1_Action"],
        not_path=["Activity_Print_Data", "Cancel_Action"],
    ),
    Case(
        "signal-throw-and-catch-with-payload",
        ["spiff/signal_event_payload.bpmn"],
        [Start(), Complete("set_data", {"v1": 1, "v2": 2, "v3": 3})],
        origin="spiff/EventPayloadTest.testSignalEvent",
        data={"v1": 1, "v2": 2, "v3": 3, "result": {"r1": 1, "r2": 2}},
        path=["throw", "catch"],
    ),
    Case(
        "signal-starts-event-subprocess",
        ["event-subprocess.bpmn"],
        [
            Start(),
            Complete("set_data", {"v1": True, "v2": False}),
            ExpectData({"v1": True, "v2": False}),
            Complete("task"),
        ],
        origin="bpmn/events/EventSubprocessTest.testEventSubprocess",
    ),
    # -- DMN business rule tasks -------------------------------------------------------------------
    Case(
        "dmn-decision-then-gateway",
        ["camunda/ExclusiveGatewayIfElseAndDecision.bpmn", "camunda/dmn/test_integer_decision.dmn"],
        [Start({"x": 3})],
        origin="camunda/BusinessRuleTaskParserTest.testDmnHappy",
        data={"x": 3, "y": "A"},
        path=["TaskDecision"],
    ),
    Case(
        "dmn-spiff-business-rule-task",
        ["spiff/business_rule_task.bpmn", "spiff/dmn/business_rules.dmn"],
        [Start()],
        origin="spiff/BusinessRuleTaskTest.testBusinessRule",
        path=["Activity_0diq2z1"],
    ),
    Case(
        "dmn-multi-instance",
        ["camunda/DMNMultiInstance.bpmn", "camunda/dmn/test_integer_decision_multi.dmn"],
        [Start()],
        origin="camunda/MultiInstanceDMNTest.testDmnHappy",
        data_has={
            "stuff": {
                **{key: {"x": x, "y": key} for key, x in zip("ABCD", [3, 4, 5, 6], strict=True)},
                "E": {"x": 7, "y": "D"},  # the test's assertion
            },
        },
    ),
    # -- data objects ------------------------------------------------------------------------------
    Case(
        "data-object-in-gateway-condition",
        ["data_object_gateway.bpmn"],
        [Start(), Complete("set_data", {"val": True})],
        origin="bpmn/DataObjectTest.DataObjectGatewayTest.testExpression",
        data_lacks=["val"],
        path=["yes"],
        not_path=["no"],
    ),
    Case(
        "data-object-references",
        ["data_object.bpmn"],
        [
            Start(),
            Complete("generate_data", {"obj_1": "hello"}),
            Complete("task_1", {"obj_1": "hello again"}),
            ExpectOpen(["read_data"]),
            ExpectData({"obj_1": "hello"}),
            Complete("read_data", {"obj_1": "hello again"}),
            ExpectData({"obj_1": "hello"}),
            Complete("placeholder", {"obj_1": "hello again"}),
        ],
        origin="bpmn/DataObjectTest.DataObjectReferenceTest.testDataObjectSerialization",
        path=["subprocess"],
    ),
    # -- scripts, service tasks, conditional and start-message events ------------------------------
    Case(
        "spiff-prescript-and-postscript",
        ["spiff/prescript_postscript.bpmn"],
        [Start({"a": 1, "b": 2}), ExpectOpen(["Activity_1iqs4li"]), Complete("Activity_1iqs4li")],
        origin="spiff/PrescriptPostscriptTest.testTask",
        data={"a": 1, "b": 2, "c": 12, "z": 6},
    ),
    Case(
        "service-tasks-call-connectors",
        ["spiff/service_task.bpmn"],
        [Start()],
        origin="spiff/ServiceTaskTest.testRunThroughHappy",
        connectors={"bamboohr/GetPayRate": _pay_rate, "weather/CurrentTemp": _current_temp},
        data={
            "spiff__Activity_1inxqgx_result": {
                "amount": "65000.00",
                "currency": "USD",
                "id": "4",
                "payRate": "65000.00 USD",
            },
            "waynesboroWeatherResult": {"temp": "72F"},
        },
    ),
    Case(
        "conditional-intermediate-event",
        ["conditional_event.bpmn"],
        [
            Start(),
            Complete("task_b"),
            ExpectOpen(["task_a"]),
            Complete("task_a", {"task_a_done": True}),
        ],
        origin="bpmn/events/ConditionalEventTest.testIntermediateEvent",
        path=["event_1"],
    ),
    Case(
        "message-start-event-between-processes",
        ["camunda/message_test.bpmn"],
        [
            Start(),
            Complete("Activity_EnterPlan", {"plan_details": "Bad"}),
            Complete("Activity_ApproveOrDeny", {"approved": "No"}),
            Complete("Activity_EnterPlan", {"plan_details": "Better"}),
            Complete("Activity_ApproveOrDeny", {"approved": "No"}),
            Complete("Activity_EnterPlan", {"plan_details": "Best"}),
            Complete("Activity_ApproveOrDeny", {"approved": "Yes"}),
            Complete("Activity_EnablePlan", {"Done": "OK!"}),
        ],
        origin="camunda/StartMessageEventTest.testRunThroughHappy",
        data_has={"plan_details": "Best", "ApprovalResult": "Yes", "Done": "OK!"},
    ),
    Case(
        "timer-date-set-by-script",
        ["timer-date-start.bpmn"],
        [Start(), ExpectOpen([]), Wait(60)],
        origin="bpmn/events/TimerDateTest.testRunThroughHappy",
        path=["Activity_1q1wged", "Event_0eb0w95"],
    ),
    Case(
        "message-start-events-split",
        ["start_event_split.bpmn"],
        [Message("message_1"), ExpectOpen(["any_task"]), Complete("any_task")],
        origin="bpmn/events/StartEventSplitTest.test_start_event_split",
        path=["start_1", "any_task"],
        not_path=["start_2"],
    ),
    Case(
        "message-start-event-with-several-messages",
        ["multiple-start.bpmn"],
        [Message("message_2"), ExpectOpen(["any_task"]), Complete("any_task")],
        origin="bpmn/events/MultipleCatchEventTest.MultipleStartEventTest",
        path=["StartEvent_1", "any_task"],
    ),
    Case(
        "message-start-event-parallel-multiple",
        ["multiple-start-parallel.bpmn"],
        [
            Message("message_1"),
            ExpectOpen([]),
            Message("message_2"),
            ExpectOpen(["any_task"]),
            Complete("any_task"),
        ],
        origin="bpmn/events/MultipleCatchEventTest.ParallelStartEventTest",
        path=["StartEvent_1", "any_task"],
    ),
    Case(
        "approvals-terminate-in-call-activity-and-parallel",
        ["Approvals.bpmn"],
        [
            Start(),
            ExpectOpen(["First_Approval_Wins.Manager_Approval", "First_Approval_Wins.Supervisor_Approval"]),
            Complete("First_Approval_Wins.Manager_Approval"),
            ExpectOpen(["Approvals.First_Approval_Wins_Done"]),
            Complete("Approvals.First_Approval_Wins_Done"),
            Complete("Approvals.Manager_Approval__P_"),
            Complete("Approvals.Supervisor_Approval__P_"),
            ExpectOpen(["Approvals.Parallel_Approvals_Done"]),
            Complete("Approvals.Parallel_Approvals_Done"),
            Complete("Parallel_Approvals_SP.Step1"),
            Complete("Parallel_Approvals_SP.Manager_Approval"),
            Complete("Parallel_Approvals_SP.Supervisor_Approval"),
            ExpectOpen(["Approvals.Parallel_SP_Done"]),
            Complete("Approvals.Parallel_SP_Done"),
        ],
        origin="bpmn/ApprovalsTest.testRunThroughHappy",
        path=["First_Approval_Wins.Manager_Approved", "Parallel_Approvals_SP.End2", "Approvals.End1"],
        not_path=["First_Approval_Wins.Supervisor_Approval", "First_Approval_Wins.Supervisor_Approved"],
    ),
    Case(
        "message-boundary-between-collaboration-participants",
        ["camunda/MessageBoundary.bpmn"],
        [
            Start(),
            ExpectOpen(["Activity_Interrupt", "Activity_106f08z"]),
            Complete("Activity_Interrupt", {"interrupt_task": "No"}),
            Complete("Activity_106f08z"),
            Wait(1),
            ExpectOpen(["Activity_Interrupt", "Activity_106f08z"]),
            Complete("Activity_Interrupt", {"interrupt_task": "No"}),
            Complete("Activity_106f08z"),
            Wait(1),
            Complete("Activity_Interrupt", {"interrupt_task": "Yes"}),
        ],
        origin="camunda/MessageBoundaryEventTest.testRunThroughHappy",
        path=["Event_0g8w85g", "Event_InterruptBoundary"],
    ),
    # -- another engine's models: Camunda Platform 7's own engine tests (data/README.md) ---------------
    Case(
        "camunda-parallel-unstructured-two-forks",
        [f"{CP}ParallelGatewayTest.testUnstructuredConcurrencyTwoForks.bpmn20.xml"],
        [Start(), ExpectOpen(["task1", "task2", "task3", "task4"]), CompleteAll()],
        origin="camunda ParallelGatewayTest.testUnstructuredConcurrencyTwoForks",
        path=["fork1", "fork2", "join", "theEnd"],
    ),
    Case(
        "camunda-parallel-fork-to-end-events",
        [f"{CP}ParallelGatewayTest.testForkFollowedByOnlyEndEvents.bpmn20.xml"],
        [Start()],
        origin="camunda ParallelGatewayTest.testForkFollowedByOnlyEndEvents",
        path=["end1", "end2"],
    ),
    Case(
        # flows without ids (optional in BPMN): they used to overwrite each other, ending the
        # instance at its start event
        "camunda-event-gateway-timer-before-signal",
        [f"{CP}EventBasedGatewayTest.testCatchAlertAndTimer.bpmn20.xml"],
        [Start(), Wait(1), ExpectOpen(["task1"]), CompleteAll()],
        origin="camunda EventBasedGatewayTest.testCatchAlertAndTimer",
        path=["gw1", "timerEvent", "task1", "end"],
        not_path=["signalEvent", "task2"],
    ),
    Case(
        "camunda-boundary-timer-duration-from-juel",
        [f"{CP}BoundaryTimerEventTest.testExpressionOnTimer.bpmn20.xml"],
        [Start({"duration": "PT1H"}), Wait(1800), ExpectOpen(["task"]), Wait(1801), ExpectOpen([])],
        origin="camunda BoundaryTimerEventTest.testExpressionOnTimer",
        path=["boundaryTimer", "theEnd"],
        not_path=["task"],
    ),
    Case(
        "signavio-non-interrupting-timer-then-join",
        [f"{CP}BoundaryTimerNonInterruptingEventTest.testJoin.bpmn20.xml"],
        [
            Start(),
            ExpectOpen(["Main_Task"]),
            Wait(3601),
            ExpectOpen(["Main_Task", "Escalation_Task"]),
            Complete("Main_Task"),
            ExpectOpen(["Escalation_Task"]),
            Complete("Escalation_Task"),
        ],
        origin="camunda BoundaryTimerNonInterruptingEventTest.testJoin (exported by Signavio)",
        path=["IntermediateTimerEvent", "ParallelGateway", "EndNoneEvent"],
    ),
    Case(
        "camunda-intermediate-timer-date-from-juel",
        [f"{CP}IntermediateTimerEventTest.testExpression.bpmn20.xml"],
        [Start({"dueDate": "2020-01-01T00:00:00+00:00"}), Wait(1)],
        origin="camunda IntermediateTimerEventTest.testExpression (#{dueDate})",
        path=["timer", "theEnd"],
    ),
    Case(
        "camunda-signal-boundary-interrupts-the-task",
        [f"{CP}SignalEventTests.catchAlertSignalBoundary.bpmn20.xml"],
        [Start(), ExpectOpen(["task"]), Signal("alert"), ExpectOpen([])],
        origin="camunda SignalEventTest.testSignalCatchBoundary",
        path=["boundary", "end"],
        not_path=["task"],
    ),
    Case(
        "camunda-signal-boundary-non-interrupting",
        [f"{CP}SignalEventTest.testNonInterruptingSignal.bpmn20.xml"],
        [
            Start(),
            Signal("alert"),
            ExpectOpen(["theUserTask", "theUserTask2"]),
            Complete("theUserTask"),
            ExpectOpen(["theUserTask2"]),
            Complete("theUserTask2"),
        ],
        origin="camunda SignalEventTest.testNonInterruptingSignal",
        path=["signal", "theEnd", "theEnd2"],
    ),
]
