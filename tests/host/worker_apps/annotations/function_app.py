"""One function per rule that Microsoft's Python worker applies to annotations and parameters before it loads a
function (devstack/worker_rules.py). Each sits in a Blueprint of its own so that the devstack host can index it
alone; `app` registers them all for the worker. Every binding here takes the Python type it is annotated with
(queue outputs take str or a typing list of str), except the cases named "of_wrong_type", so what decides each
case is the rule it is named for.
"""

from __future__ import annotations

import typing

import azure.functions as func

STORAGE = "AzureWebJobsStorage"

bp_out_of_pep585_list = func.Blueprint()
bp_out_of_typing_list = func.Blueprint()
bp_out_of_str = func.Blueprint()
bp_out_of_optional = func.Blueprint()
bp_out_of_pep604_union = func.Blueprint()
bp_bare_out = func.Blueprint()
bp_output_not_out = func.Blueprint()
bp_output_unannotated = func.Blueprint()
bp_trigger_as_out = func.Blueprint()
bp_trigger_pep585 = func.Blueprint()
bp_return_out = func.Blueprint()
bp_return_optional = func.Blueprint()
bp_context_not_context = func.Blueprint()
bp_context_as_context = func.Blueprint()
bp_parameter_not_bound = func.Blueprint()
bp_binding_not_a_parameter = func.Blueprint()
bp_out_of_wrong_type = func.Blueprint()
bp_trigger_of_wrong_type = func.Blueprint()
bp_trigger_as_text = func.Blueprint()
bp_return_of_wrong_type = func.Blueprint()
bp_timer_of_wrong_type = func.Blueprint()


@bp_out_of_pep585_list.queue_trigger(arg_name="msg", queue_name="a", connection=STORAGE)
@bp_out_of_pep585_list.queue_output(arg_name="out", queue_name="b", connection=STORAGE)
def out_of_pep585_list(msg: func.QueueMessage, out: func.Out[list[str]]) -> None:
    out.set([msg.get_body().decode()])


@bp_out_of_typing_list.queue_trigger(arg_name="msg", queue_name="a", connection=STORAGE)
@bp_out_of_typing_list.queue_output(arg_name="out", queue_name="b", connection=STORAGE)
def out_of_typing_list(msg: func.QueueMessage, out: func.Out[typing.List[str]]) -> None:  # noqa: UP006
    out.set([msg.get_body().decode()])


@bp_out_of_str.queue_trigger(arg_name="msg", queue_name="a", connection=STORAGE)
@bp_out_of_str.queue_output(arg_name="out", queue_name="b", connection=STORAGE)
def out_of_str(msg: func.QueueMessage, out: func.Out[str]) -> None:
    out.set(msg.get_body().decode())


@bp_out_of_optional.queue_trigger(arg_name="msg", queue_name="a", connection=STORAGE)
@bp_out_of_optional.queue_output(arg_name="out", queue_name="b", connection=STORAGE)
def out_of_optional(msg: func.QueueMessage, out: func.Out[typing.Optional[str]]) -> None:  # noqa: UP045
    out.set(None)


@bp_out_of_pep604_union.queue_trigger(arg_name="msg", queue_name="a", connection=STORAGE)
@bp_out_of_pep604_union.queue_output(arg_name="out", queue_name="b", connection=STORAGE)
def out_of_pep604_union(msg: func.QueueMessage, out: func.Out[str | bytes]) -> None:
    out.set(msg.get_body())


@bp_bare_out.queue_trigger(arg_name="msg", queue_name="a", connection=STORAGE)
@bp_bare_out.queue_output(arg_name="out", queue_name="b", connection=STORAGE)
def bare_out(msg: func.QueueMessage, out: func.Out) -> None:
    out.set(msg.get_body().decode())


@bp_output_not_out.queue_trigger(arg_name="msg", queue_name="a", connection=STORAGE)
@bp_output_not_out.queue_output(arg_name="out", queue_name="b", connection=STORAGE)
def output_not_out(msg: func.QueueMessage, out: str) -> None:
    pass


@bp_output_unannotated.queue_trigger(arg_name="msg", queue_name="a", connection=STORAGE)
@bp_output_unannotated.queue_output(arg_name="out", queue_name="b", connection=STORAGE)
def output_unannotated(msg: func.QueueMessage, out) -> None:
    out.set(msg.get_body().decode())


@bp_trigger_as_out.queue_trigger(arg_name="msg", queue_name="a", connection=STORAGE)
def trigger_as_out(msg: func.Out[str]) -> None:
    pass


@bp_trigger_pep585.queue_trigger(arg_name="msg", queue_name="a", connection=STORAGE)
def trigger_pep585(msg: list[str]) -> None:
    pass


@bp_return_out.route(route="return-out", auth_level=func.AuthLevel.ANONYMOUS)
def return_out(req: func.HttpRequest) -> func.Out[func.HttpResponse]:
    raise NotImplementedError


@bp_return_optional.route(route="return-optional", auth_level=func.AuthLevel.ANONYMOUS)
def return_optional(req: func.HttpRequest) -> typing.Optional[func.HttpResponse]:  # noqa: UP045
    return None


@bp_context_not_context.queue_trigger(arg_name="msg", queue_name="a", connection=STORAGE)
def context_not_context(msg: func.QueueMessage, context: str) -> None:
    pass


@bp_context_as_context.queue_trigger(arg_name="msg", queue_name="a", connection=STORAGE)
def context_as_context(msg: func.QueueMessage, context: func.Context) -> None:
    pass


@bp_parameter_not_bound.queue_trigger(arg_name="msg", queue_name="a", connection=STORAGE)
def parameter_not_bound(msg: func.QueueMessage, extra: str) -> None:
    pass


@bp_binding_not_a_parameter.queue_trigger(arg_name="msg", queue_name="a", connection=STORAGE)
@bp_binding_not_a_parameter.queue_output(arg_name="ghost", queue_name="b", connection=STORAGE)
def binding_not_a_parameter(msg: func.QueueMessage) -> None:
    pass


@bp_out_of_wrong_type.queue_trigger(arg_name="msg", queue_name="a", connection=STORAGE)
@bp_out_of_wrong_type.queue_output(arg_name="out", queue_name="b", connection=STORAGE)
def out_of_wrong_type(msg: func.QueueMessage, out: func.Out[int]) -> None:
    out.set(1)


@bp_trigger_of_wrong_type.queue_trigger(arg_name="msg", queue_name="a", connection=STORAGE)
def trigger_of_wrong_type(msg: int) -> None:
    pass


@bp_trigger_as_text.queue_trigger(arg_name="msg", queue_name="a", connection=STORAGE)
def trigger_as_text(msg: str) -> None:
    pass


@bp_return_of_wrong_type.route(route="return-of-wrong-type", auth_level=func.AuthLevel.ANONYMOUS)
def return_of_wrong_type(req: func.HttpRequest) -> int:
    return 200


@bp_timer_of_wrong_type.timer_trigger(arg_name="timer", schedule="0 * * * * *")
def timer_of_wrong_type(timer: func.HttpRequest) -> None:
    pass


CASES: dict[str, func.Blueprint] = {
    name.removeprefix("bp_"): blueprint for name, blueprint in globals().items() if name.startswith("bp_")
}

app = func.FunctionApp()
for blueprint in CASES.values():
    app.register_functions(blueprint)
