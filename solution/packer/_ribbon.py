"""``RibbonDiffXml``: form buttons of a table (inside its ``<Entity>``) and the application ribbon (top level).

Each button is a ``CustomAction`` holding a ``Button``, a ``CommandDefinition`` whose action is a
``JavaScriptFunction`` (with ``CrmParameter``s such as ``PrimaryControl``, the form context) and, when it has
one, an ``EnableRule`` with a ``CustomRule``. Labels travel as ``LocLabels``, as exports write them.
Everything here is known to ``RibbonCore.xsd``/``RibbonTypes.xsd`` (2019); nothing is adapted for validation.
"""

from __future__ import annotations

from ._frontend import JsCall, RibbonButton
from ._xml import LANGUAGE, Element, sub


def ribbon_diff(parent: Element, buttons: tuple[RibbonButton, ...]) -> Element:
    """``<RibbonDiffXml>`` for ``buttons`` (all of one table, or all of the application ribbon)."""
    node = sub(parent, "RibbonDiffXml")
    actions = sub(node, "CustomActions")
    for b in buttons:
        action = sub(actions, "CustomAction", Id=b.action_id, Location=b.location, Sequence=str(b.sequence))
        attrs = {"Command": b.command, "Id": b.id, "LabelText": f"$LocLabels:{b.id}.LabelText",
                 "Sequence": str(b.sequence), "TemplateAlias": b.template_alias}
        if b.modern_image:
            attrs["ModernImage"] = b.modern_image
        sub(sub(action, "CommandUIDefinition"), "Button", **attrs)
    sub(sub(node, "Templates"), "RibbonTemplates", Id="Mscrm.Templates")
    commands = sub(node, "CommandDefinitions")
    for b in buttons:
        command = sub(commands, "CommandDefinition", Id=b.command)
        enable = sub(command, "EnableRules")
        for rule in b.enable_rules:
            sub(enable, "EnableRule", Id=rule)
        sub(command, "DisplayRules")
        _function(sub(command, "Actions"), "JavaScriptFunction", b.action)
    rules = sub(node, "RuleDefinitions")
    sub(rules, "TabDisplayRules")
    sub(rules, "DisplayRules")
    enable_rules = sub(rules, "EnableRules")
    for b in buttons:
        if b.enable_rule is not None:
            rule = sub(enable_rules, "EnableRule", Id=b.enable_rule.id)
            custom = _function(rule, "CustomRule", b.enable_rule.rule)
            custom.set("Default", "true" if b.enable_rule.default else "false")
    labels = sub(node, "LocLabels")
    for b in buttons:
        label = sub(labels, "LocLabel", Id=f"{b.id}.LabelText")
        sub(sub(label, "Titles"), "Title", description=b.label, languagecode=LANGUAGE)
    return node


def _function(parent: Element, tag: str, call: JsCall) -> Element:
    node = sub(parent, tag, FunctionName=call.function, Library=call.library)
    for value in call.crm_parameters:
        sub(node, "CrmParameter", Value=value)
    return node


__all__ = ["ribbon_diff"]
