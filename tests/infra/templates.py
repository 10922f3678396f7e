"""Read and evaluate the two forms of the deployment template: infra/main.bicep and infra/azuredeploy.json.

There is no Bicep compiler here, so both files are written by hand. To prove they say the same thing, each is
evaluated for a given set of parameter values into plain data: the resources that would be deployed (type, API
version, full name, body), the outputs and the parameters. The two results must then be equal.

The Bicep reader covers the subset infra/main.bicep uses: decorators, `param`, `var`, `resource` (with `parent`,
`scope`, `if (...)` and `[for x in xs: {...}]`), `output`, string interpolation, objects and arrays separated by
new lines, member access, indexing, calls, `!`, `&&`, `||`, `==`, `!=` and `?:`. The ARM reader evaluates template
expressions (`"[...]"`) with the functions azuredeploy.json uses.

Runtime values that only Azure knows (a resource's properties after deployment) evaluate to the same placeholder
on both sides, e.g. `ref(Microsoft.Web/sites:NAME).properties.defaultHostName`.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

# ---------------------------------------------------------------------------------------------------------------
# Shared runtime: deployment context and functions common to Bicep and ARM.

RESOURCE_GROUP = {
    "id": "/subscriptions/00000000-0000-0000-0000-000000000001/resourceGroups/rg-smsbridge",
    "name": "rg-smsbridge",
    "location": "westeurope",
}
SUBSCRIPTION = {"subscriptionId": "00000000-0000-0000-0000-000000000001", "tenantId": "tenant-of-subscription"}
ENVIRONMENT = {
    "authentication": {"loginEndpoint": "https://login.microsoftonline.com/"},
    "suffixes": {"keyvaultDns": ".vault.azure.net", "storage": "core.windows.net"},
}


@dataclass(frozen=True)
class ResourceId:
    """What `sym.id` (Bicep) and `resourceId(...)` (ARM) stand for."""

    type: str
    name: str

    def __str__(self) -> str:
        return f"{self.type}:{self.name}"


@dataclass(frozen=True)
class Runtime:
    """A value known only after deployment: a path into a resource (`ref(id).properties.x`)."""

    resource: str
    path: tuple[str, ...]

    def member(self, name: str) -> Runtime:
        return Runtime(self.resource, (*self.path, name))

    def __str__(self) -> str:
        return f"ref({self.resource})." + ".".join(self.path)


def _hash(*parts: Any, length: int) -> str:
    return hashlib.sha256("|".join(str(p) for p in parts).encode()).hexdigest()[:length]


def _guid(*parts: Any) -> str:
    h = _hash(*parts, length=32)
    return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"


def _concat(*items: Any) -> Any:
    if items and all(isinstance(i, list) for i in items):
        return [x for i in items for x in i]
    return "".join(str(i) for i in items)


def _take(value: Any, count: int) -> Any:
    return value[:count]


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


COMMON_FUNCTIONS: dict[str, Callable[..., Any]] = {
    "concat": _concat,
    "take": _take,
    "toLower": lambda s: str(s).lower(),
    "replace": lambda s, old, new: str(s).replace(old, new),
    "split": lambda s, sep: str(s).split(sep),
    "uniqueString": lambda *parts: _hash(*parts, length=13),
    "guid": _guid,
    "empty": lambda v: v is None or len(v) == 0,
    "length": len,
    "resourceGroup": lambda: dict(RESOURCE_GROUP),
    "subscription": lambda: dict(SUBSCRIPTION),
    "environment": lambda: json.loads(json.dumps(ENVIRONMENT)),
    "subscriptionResourceId": lambda rtype, *names: f"/subscriptions/{SUBSCRIPTION['subscriptionId']}/{rtype}:"
    + "/".join(names),
}


def plain(value: Any) -> Any:
    """Placeholders to text, recursively, so results compare as JSON data."""
    if isinstance(value, dict):
        return {k: plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [plain(v) for v in value]
    if isinstance(value, ResourceId | Runtime):
        return str(value)
    return value


@dataclass
class Evaluated:
    """One form of the template, evaluated for one set of parameter values."""

    parameters: dict[str, dict[str, Any]]
    resources: dict[tuple[str, str], dict[str, Any]]  # (type, full name) -> api version and body
    outputs: dict[str, dict[str, Any]]
    suppressions: dict[tuple[str, str], dict[str, str]] = field(default_factory=dict)  # checkov id -> reason


# ---------------------------------------------------------------------------------------------------------------
# Bicep: lexer.

@dataclass(frozen=True)
class Token:
    kind: str  # ident, num, str, punct, nl, eof
    value: Any
    line: int


PUNCT = ("==", "!=", "&&", "||", "{", "}", "[", "]", "(", ")", ",", ":", ".", "?", "!", "=", "@")


class BicepLexer:
    def __init__(self, text: str) -> None:
        self.text = text
        self.pos = 0
        self.line = 1
        self.comments: list[tuple[int, str]] = []

    def tokens(self, *, until_brace: bool = False) -> list[Token]:
        """Tokens to the end, or (inside `${...}`) to the `}` that closes the interpolation."""
        out: list[Token] = []
        depth = 0
        while True:
            token = self._next()
            if until_brace:
                if token.value == "{" and token.kind == "punct":
                    depth += 1
                elif token.value == "}" and token.kind == "punct":
                    if depth == 0:
                        out.append(Token("eof", None, token.line))
                        return out
                    depth -= 1
            out.append(token)
            if token.kind == "eof":
                if until_brace:
                    raise SyntaxError("unterminated interpolation")
                return out

    def _next(self) -> Token:
        text = self.text
        while self.pos < len(text):
            ch = text[self.pos]
            if ch in " \t\r":
                self.pos += 1
            elif text.startswith("//", self.pos):
                end = text.find("\n", self.pos)
                end = len(text) if end < 0 else end
                self.comments.append((self.line, text[self.pos:end]))
                self.pos = end
            elif text.startswith("/*", self.pos):
                end = text.index("*/", self.pos) + 2
                self.line += text.count("\n", self.pos, end)
                self.pos = end
            else:
                break
        if self.pos >= len(text):
            return Token("eof", None, self.line)
        ch = text[self.pos]
        line = self.line
        if ch == "\n":
            self.pos += 1
            self.line += 1
            return Token("nl", None, line)
        if ch == "'":
            return Token("str", self._string(), line)
        number = re.compile(r"\d+").match(text, self.pos)
        if number:
            self.pos = number.end()
            return Token("num", int(number.group()), line)
        word = re.compile(r"[A-Za-z_][A-Za-z0-9_]*").match(text, self.pos)
        if word:
            self.pos = word.end()
            return Token("ident", word.group(), line)
        for p in PUNCT:
            if text.startswith(p, self.pos):
                self.pos += len(p)
                return Token("punct", p, line)
        raise SyntaxError(f"line {line}: unexpected {ch!r}")

    def _string(self) -> list[Any]:
        """A string literal as parts: literal text and token lists of `${...}` expressions."""
        escapes = {"n": "\n", "r": "\r", "t": "\t", "\\": "\\", "'": "'", "$": "$"}
        self.pos += 1
        parts: list[Any] = []
        buf: list[str] = []
        while True:
            ch = self.text[self.pos]
            if ch == "\\":
                buf.append(escapes[self.text[self.pos + 1]])
                self.pos += 2
            elif ch == "'":
                self.pos += 1
                break
            elif self.text.startswith("${", self.pos):
                if buf:
                    parts.append("".join(buf))
                    buf = []
                self.pos += 2
                parts.append(self.tokens(until_brace=True))
            elif ch == "\n":
                raise SyntaxError(f"line {self.line}: new line in a string")
            else:
                buf.append(ch)
                self.pos += 1
        if buf or not parts:
            parts.append("".join(buf))
        return parts


# ---------------------------------------------------------------------------------------------------------------
# Bicep: parser. Expressions are tuples: ("str", parts), ("lit", value), ("ident", name), ("member", e, name),
# ("index", e, i), ("call", name, args), ("not", e), ("bin", op, a, b), ("tern", c, a, b), ("obj", [(k, e)]),
# ("arr", [e]).

@dataclass
class BicepResource:
    symbol: str
    type: str
    api_version: str
    body: tuple[Any, ...]
    condition: tuple[Any, ...] | None
    loop: tuple[str, tuple[Any, ...]] | None
    first_line: int
    last_line: int


@dataclass
class BicepFile:
    params: dict[str, tuple[str, tuple[Any, ...] | None, dict[str, Any]]] = field(default_factory=dict)
    variables: dict[str, tuple[Any, ...]] = field(default_factory=dict)
    resources: dict[str, BicepResource] = field(default_factory=dict)
    outputs: dict[str, tuple[str, tuple[Any, ...], dict[str, Any]]] = field(default_factory=dict)
    comments: list[tuple[int, str]] = field(default_factory=list)


class BicepParser:
    def __init__(self, tokens: list[Token]) -> None:
        self.tokens = tokens
        self.i = 0

    # token helpers
    def peek(self) -> Token:
        return self.tokens[self.i]

    def take(self) -> Token:
        token = self.tokens[self.i]
        self.i += 1
        return token

    def at(self, value: str) -> bool:
        token = self.peek()
        return token.kind in ("punct", "ident") and token.value == value

    def expect(self, value: str) -> Token:
        token = self.take()
        if token.value != value:
            raise SyntaxError(f"line {token.line}: expected {value!r}, got {token.value!r}")
        return token

    def skip_newlines(self) -> None:
        while self.peek().kind == "nl":
            self.i += 1

    def ident(self) -> str:
        token = self.take()
        if token.kind != "ident":
            raise SyntaxError(f"line {token.line}: expected a name, got {token.value!r}")
        return str(token.value)

    # declarations
    def file(self) -> BicepFile:
        result = BicepFile()
        decorators: dict[str, Any] = {}
        while True:
            self.skip_newlines()
            token = self.peek()
            if token.kind == "eof":
                return result
            if self.at("@"):
                self.take()
                name = self.ident()
                self.expect("(")
                args = self.arguments()
                decorators[name] = args
                continue
            keyword = self.ident()
            name = self.ident()
            if keyword == "param":
                ptype = self.ident()
                default = None
                if self.at("="):
                    self.take()
                    default = self.expression()
                result.params[name] = (ptype, default, decorators)
            elif keyword == "var":
                self.expect("=")
                result.variables[name] = self.expression()
            elif keyword == "output":
                otype = self.ident()
                self.expect("=")
                result.outputs[name] = (otype, self.expression(), decorators)
            elif keyword == "resource":
                result.resources[name] = self.resource(name, token.line)
            else:
                raise SyntaxError(f"line {token.line}: unsupported declaration {keyword!r}")
            decorators = {}

    def resource(self, symbol: str, first_line: int) -> BicepResource:
        type_token = self.take()
        rtype, _, api = "".join(type_token.value).partition("@")
        self.expect("=")
        condition = None
        loop = None
        if self.at("if"):
            self.take()
            self.expect("(")
            condition = self.expression()
            self.expect(")")
            body = self.expression()
        elif self.at("["):
            self.take()
            self.expect("for")
            variable = self.ident()
            self.expect("in")
            items = self.expression()
            self.expect(":")
            body = self.expression()
            self.expect("]")
            loop = (variable, items)
        else:
            body = self.expression()
        last_line = self.tokens[self.i - 1].line
        return BicepResource(symbol, rtype, api, body, condition, loop, first_line, last_line)

    def arguments(self) -> list[tuple[Any, ...]]:
        args = []
        self.skip_newlines()
        while not self.at(")"):
            args.append(self.expression())
            self.skip_newlines()
            if self.at(","):
                self.take()
                self.skip_newlines()
        self.expect(")")
        return args

    # expressions
    def expression(self) -> tuple[Any, ...]:
        condition = self.binary(0)
        if self.at("?"):
            self.take()
            when_true = self.expression()
            self.expect(":")
            when_false = self.expression()
            return ("tern", condition, when_true, when_false)
        return condition

    LEVELS = (("||",), ("&&",), ("==", "!="))

    def binary(self, level: int) -> tuple[Any, ...]:
        if level == len(self.LEVELS):
            return self.unary()
        left = self.binary(level + 1)
        while self.peek().kind == "punct" and self.peek().value in self.LEVELS[level]:
            op = self.take().value
            left = ("bin", op, left, self.binary(level + 1))
        return left

    def unary(self) -> tuple[Any, ...]:
        if self.at("!"):
            self.take()
            return ("not", self.unary())
        return self.postfix(self.primary())

    def postfix(self, node: tuple[Any, ...]) -> tuple[Any, ...]:
        while True:
            if self.at("."):
                self.take()
                node = ("member", node, self.ident())
            elif self.at("[") and self.tokens[self.i - 1].kind != "nl":
                self.take()
                index = self.expression()
                self.expect("]")
                node = ("index", node, index)
            elif self.at("(") and node[0] == "ident":
                self.take()
                node = ("call", node[1], self.arguments())
            else:
                return node

    def primary(self) -> tuple[Any, ...]:
        token = self.take()
        if token.kind == "str":
            return ("str", [p if isinstance(p, str) else BicepParser(p).expression() for p in token.value])
        if token.kind == "num":
            return ("lit", token.value)
        if token.kind == "ident":
            literals = {"true": True, "false": False, "null": None}
            return ("lit", literals[token.value]) if token.value in literals else ("ident", token.value)
        if token.value == "(":
            inner = self.expression()
            self.expect(")")
            return inner
        if token.value == "{":
            return self.object_body()
        if token.value == "[":
            return self.array_body()
        raise SyntaxError(f"line {token.line}: unexpected {token.value!r}")

    def object_body(self) -> tuple[Any, ...]:
        entries = []
        while True:
            self.skip_newlines()
            if self.at("}"):
                self.take()
                return ("obj", entries)
            key_token = self.take()
            key = "".join(key_token.value) if key_token.kind == "str" else key_token.value
            self.expect(":")
            entries.append((key, self.expression()))
            if self.at(","):
                self.take()

    def array_body(self) -> tuple[Any, ...]:
        items = []
        while True:
            self.skip_newlines()
            if self.at("]"):
                self.take()
                return ("arr", items)
            items.append(self.expression())
            if self.at(","):
                self.take()


def read_bicep(path: Path) -> BicepFile:
    lexer = BicepLexer(path.read_text(encoding="utf-8"))
    tokens = lexer.tokens()
    parsed = BicepParser(tokens).file()
    parsed.comments = lexer.comments
    return parsed


# ---------------------------------------------------------------------------------------------------------------
# Bicep: evaluation.

SKIP = re.compile(r"checkov:skip=([A-Z0-9_]+):?(.*)")


@dataclass(frozen=True)
class SymbolRef:
    """A Bicep resource symbol used as a value: `sym.id`, `sym.name`, `sym.properties.x`, `scope: sym`."""

    type: str
    name: str

    def member(self, name: str) -> Any:
        if name == "id":
            return ResourceId(self.type, self.name)
        if name == "name":
            return self.name
        return Runtime(str(ResourceId(self.type, self.name)), (name,))


class BicepEvaluator:
    def __init__(self, source: BicepFile, values: Mapping[str, Any]) -> None:
        self.source = source
        self.values = dict(values)
        self._variables: dict[str, Any] = {}
        self._names: dict[str, str] = {}

    def evaluate(self) -> Evaluated:
        params = {}
        for name, (ptype, default, decorators) in self.source.params.items():
            params[name] = self._parameter(ptype, default, decorators)
        for name, (_ptype, default, _decorators) in self.source.params.items():
            if name not in self.values:
                if default is None:
                    raise KeyError(f"no value for parameter {name}")
                self.values[name] = self.eval(default, {})
        resources: dict[tuple[str, str], dict[str, Any]] = {}
        suppressions: dict[tuple[str, str], dict[str, str]] = {}
        for resource in self.source.resources.values():
            reasons = self._suppressions(resource)
            for scope in self._instances(resource):
                if resource.condition is not None and not self.eval(resource.condition, scope):
                    continue
                body = self.eval(resource.body, scope)
                body["name"] = self._full_name(resource, scope)
                body.pop("parent", None)
                body.pop("dependsOn", None)
                if isinstance(body.get("scope"), SymbolRef):
                    body["scope"] = f"{body['scope'].type}/{body['scope'].name}"
                key = (resource.type, body["name"])
                resources[key] = {"apiVersion": resource.api_version, "type": resource.type, **plain(body)}
                suppressions[key] = reasons
        outputs = {
            name: {"type": otype, "value": plain(self.eval(expr, {})), **self._describe(decorators)}
            for name, (otype, expr, decorators) in self.source.outputs.items()
        }
        return Evaluated(params, resources, outputs, suppressions)

    def _parameter(self, ptype: str, default: Any, decorators: dict[str, Any]) -> dict[str, Any]:
        spec: dict[str, Any] = {"type": "securestring" if "secure" in decorators else ptype}
        if default is not None:
            spec["defaultValue"] = plain(self.eval(default, {}))
        names = {"allowed": "allowedValues", "minLength": "minLength", "maxLength": "maxLength",
                 "minValue": "minValue", "maxValue": "maxValue"}
        for decorator, key in names.items():
            if decorator in decorators:
                spec[key] = self.eval(decorators[decorator][0], {})
        spec.update(self._describe(decorators))
        return spec

    def _describe(self, decorators: dict[str, Any]) -> dict[str, Any]:
        if "description" in decorators:
            return {"description": self.eval(decorators["description"][0], {})}
        return {}

    def _suppressions(self, resource: BicepResource) -> dict[str, str]:
        found = {}
        for line, text in self.source.comments:
            match = SKIP.search(text)
            if match and resource.first_line <= line <= resource.last_line:
                found[match.group(1)] = match.group(2).strip()
        return found

    def _instances(self, resource: BicepResource) -> Iterator[dict[str, Any]]:
        if resource.loop is None:
            yield {}
            return
        variable, items = resource.loop
        for item in self.eval(items, {}):
            yield {variable: item}

    def _full_name(self, resource: BicepResource, scope: dict[str, Any]) -> str:
        entries = dict(resource.body[1])
        name = str(self.eval(entries["name"], scope))
        if "parent" in entries:
            parent_symbol = entries["parent"][1]
            parent = self.source.resources[parent_symbol]
            return f"{self._full_name(parent, {})}/{name}"
        return name

    def _symbol(self, symbol: str) -> SymbolRef:
        resource = self.source.resources[symbol]
        if resource.loop is not None:
            raise ValueError(f"{symbol}: a looped resource is not used as a value here")
        return SymbolRef(resource.type, self._full_name(resource, {}))

    def eval(self, node: tuple[Any, ...], scope: dict[str, Any]) -> Any:  # noqa: PLR0911 - one case per node
        kind = node[0]
        if kind == "lit":
            return node[1]
        if kind == "str":
            return "".join(p if isinstance(p, str) else _text(self.eval(p, scope)) for p in node[1])
        if kind == "ident":
            return self._name(node[1], scope)
        if kind == "member":
            target = self.eval(node[1], scope)
            if isinstance(target, SymbolRef | Runtime):
                return target.member(node[2])
            return target[node[2]]
        if kind == "index":
            return self.eval(node[1], scope)[self.eval(node[2], scope)]
        if kind == "call":
            args = [self.eval(a, scope) for a in node[2]]
            return COMMON_FUNCTIONS[node[1]](*args)
        if kind == "not":
            return not self.eval(node[1], scope)
        if kind == "bin":
            left, right = self.eval(node[2], scope), self.eval(node[3], scope)
            operations = {"||": lambda: left or right, "&&": lambda: left and right,
                          "==": lambda: left == right, "!=": lambda: left != right}
            return operations[node[1]]()
        if kind == "tern":
            return self.eval(node[2] if self.eval(node[1], scope) else node[3], scope)
        if kind == "obj":
            return {k: self.eval(v, scope) for k, v in node[1]}
        if kind == "arr":
            return [self.eval(v, scope) for v in node[1]]
        raise ValueError(f"unknown node {kind}")

    def _name(self, name: str, scope: dict[str, Any]) -> Any:
        if name in scope:
            return scope[name]
        if name in self.source.params:
            return self.values[name]
        if name in self.source.variables:
            if name not in self._variables:
                self._variables[name] = self.eval(self.source.variables[name], {})
            return self._variables[name]
        if name in self.source.resources:
            return self._symbol(name)
        raise NameError(name)


def evaluate_bicep(path: Path, values: Mapping[str, Any]) -> Evaluated:
    return BicepEvaluator(read_bicep(path), values).evaluate()


# ---------------------------------------------------------------------------------------------------------------
# ARM: template expressions.

ARM_TOKEN = re.compile(
    r"\s*(?:(?P<str>'(?:[^']|'')*')|(?P<num>-?\d+)|(?P<ident>[A-Za-z_][A-Za-z0-9_]*)|(?P<p>[().,\[\]]))"
)


@dataclass(frozen=True)
class ArmReference:
    """`reference(id, api)` (the resource's properties) or `reference(id, api, 'full')` (the whole resource)."""

    resource: str
    full: bool

    def member(self, name: str) -> Runtime:
        return Runtime(self.resource, (name,) if self.full else ("properties", name))


class ArmEvaluator:
    def __init__(self, template: dict[str, Any], values: Mapping[str, Any]) -> None:
        self.template = template
        self.values = dict(values)
        self._variables: dict[str, Any] = {}
        self.copy_index: int | None = None
        self.functions: dict[str, Callable[..., Any]] = {
            **COMMON_FUNCTIONS,
            "parameters": lambda name: self.values[name],
            "variables": self._variable,
            "format": lambda fmt, *args: re.sub(r"\{(\d+)\}", lambda m: _text(args[int(m.group(1))]), fmt),
            "if": lambda c, a, b: a if c else b,
            "equals": lambda a, b: a == b,
            "or": lambda *a: any(a),
            "and": lambda *a: all(a),
            "not": lambda a: not a,
            "null": lambda: None,
            "true": lambda: True,
            "false": lambda: False,
            "createArray": lambda *a: list(a),
            "createObject": lambda *a: {a[i]: a[i + 1] for i in range(0, len(a), 2)},
            "resourceId": lambda rtype, *names: ResourceId(rtype, "/".join(names)),
            "reference": lambda rid, _api=None, full=None: ArmReference(str(rid), full == "full"),
            "copyIndex": lambda: self.copy_index,
        }

    def _variable(self, name: str) -> Any:
        if name not in self._variables:
            self._variables[name] = self.value(self.template["variables"][name])
        return self._variables[name]

    def value(self, data: Any) -> Any:
        """A template value: expressions (`"[...]"`) evaluated, recursively."""
        if isinstance(data, dict):
            return {k: self.value(v) for k, v in data.items()}
        if isinstance(data, list):
            return [self.value(v) for v in data]
        if isinstance(data, str) and data.startswith("[") and data.endswith("]"):
            if data.startswith("[["):
                return data[1:]
            return self.expression(data[1:-1])
        return data

    def expression(self, text: str) -> Any:
        tokens = [(m.lastgroup, m.group(m.lastgroup or "")) for m in ARM_TOKEN.finditer(text) if m.lastgroup]
        position = sum(len(m.group(0)) for m in ARM_TOKEN.finditer(text))
        if text[position:].strip():
            raise SyntaxError(f"cannot read ARM expression at {text[position:]!r}")
        result, end = self._parse(tokens, 0)
        if end != len(tokens):
            raise SyntaxError(f"trailing input in {text!r}")
        return result

    def _parse(self, tokens: list[tuple[str | None, str]], i: int) -> tuple[Any, int]:
        kind, text = tokens[i]
        if kind == "str":
            value: Any = text[1:-1].replace("''", "'")
            i += 1
        elif kind == "num":
            value, i = int(text), i + 1
        elif kind == "ident":
            if tokens[i + 1][1] != "(":
                raise SyntaxError(f"expected a call after {text}")
            i += 2
            args = []
            while tokens[i][1] != ")":
                arg, i = self._parse(tokens, i)
                args.append(arg)
                if tokens[i][1] == ",":
                    i += 1
            i += 1
            value = self.functions[text](*args)
        else:
            raise SyntaxError(f"unexpected {text!r}")
        while i < len(tokens) and tokens[i][1] in (".", "["):
            if tokens[i][1] == ".":
                member = tokens[i + 1][1]
                value = value.member(member) if isinstance(value, ArmReference | Runtime) else value[member]
                i += 2
            else:
                index, i = self._parse(tokens, i + 1)
                value = value[index]
                i += 1  # the closing bracket
        return value, i

    def evaluate(self) -> Evaluated:
        params = {}
        for name, spec in self.template["parameters"].items():
            entry = {k: v for k, v in spec.items() if k != "metadata"}
            if "defaultValue" in entry:
                entry["defaultValue"] = plain(self.value(entry["defaultValue"]))
            if "description" in spec.get("metadata", {}):
                entry["description"] = spec["metadata"]["description"]
            params[name] = entry
            if name not in self.values:
                if "defaultValue" not in spec:
                    raise KeyError(f"no value for parameter {name}")
                self.values[name] = self.value(spec["defaultValue"])
        resources: dict[tuple[str, str], dict[str, Any]] = {}
        suppressions: dict[tuple[str, str], dict[str, str]] = {}
        for raw in self.template["resources"]:
            count = self.value(raw["copy"]["count"]) if "copy" in raw else None
            for index in range(count) if count is not None else [None]:
                self.copy_index = index
                if "condition" in raw and not self.value(raw["condition"]):
                    continue
                body = {k: v for k, v in raw.items() if k not in ("copy", "condition", "dependsOn", "metadata")}
                evaluated = plain(self.value(body))
                key = (evaluated["type"], evaluated["name"])
                resources[key] = evaluated
                reasons = {}
                for item in raw.get("metadata", {}).get("checkov", []):
                    match = SKIP.search(item)
                    if match:
                        reasons[match.group(1)] = match.group(2).strip()
                suppressions[key] = reasons
            self.copy_index = None
        outputs = {}
        for name, spec in self.template["outputs"].items():
            outputs[name] = {"type": spec["type"], "value": plain(self.value(spec["value"]))}
            if "description" in spec.get("metadata", {}):
                outputs[name]["description"] = spec["metadata"]["description"]
        return Evaluated(params, resources, outputs, suppressions)


def evaluate_arm(path: Path, values: Mapping[str, Any]) -> Evaluated:
    return ArmEvaluator(json.loads(path.read_text(encoding="utf-8")), values).evaluate()
