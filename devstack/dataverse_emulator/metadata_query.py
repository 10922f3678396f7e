"""``$select`` and ``$filter`` over definitions (plain dicts of the metadata types' properties).

"You can use any of the EntityMetadata properties with $select system query options and you can use $filter on
any properties which use primitive or enumeration values"; an enum value is written with its type's namespace
(``OwnershipType eq Microsoft.Dynamics.CRM.OwnershipTypes'UserOwned'``), a complex property through the path to
its primitive value (``CanCreateAttributes/Value eq true``, ``RequiredLevel/Value eq ...``), and that "does not
work on properties of Label ComplexType" ("Query table definitions using the Web API",
https://learn.microsoft.com/power-apps/developer/data-platform/webapi/query-metadata-web-api). An enum value is
also accepted as a plain string (``AttributeType eq 'String'``), as Microsoft's SDK writes it.

Supported: eq, ne, gt, ge, lt, le, and, or, not and parentheses. Strings compare as written (metadata names are
matched exactly; the SDK lowercases logical names before it filters on them). Dataverse has no functions
(``startswith``...) for definitions and answers "The 'startswith' function isn't supported for Metadata
Entities." (code 0x8006088a), which the emulator repeats with status 501; the ``in``/``has`` operators answer 501
too.
"""

from __future__ import annotations

import operator
import re
from collections.abc import Callable, Collection, Mapping
from typing import Any

from . import errors
from .errors import ODataError
from .odata import Token, literal_of, tokenize

__all__ = ["MetadataFilter", "parse_metadata_filter", "parse_select", "project"]

Item = Mapping[str, Any]
MetadataFilter = Callable[[Item], bool]

_OPERATORS: dict[str, Callable[[Any, Any], bool]] = {
    "eq": operator.eq, "ne": operator.ne, "gt": operator.gt, "ge": operator.ge, "lt": operator.lt, "le": operator.le,
}
_ENUM_LITERAL = re.compile(r"^(Microsoft\.Dynamics\.CRM\.\w+)'([^']*)'$")


def parse_select(text: str | None, allowed: Collection[str], type_name: str) -> list[str] | None:
    """The names of a ``$select``; a name the type does not have is Dataverse's 400."""
    if not text:
        return None
    names = [part.strip() for part in text.split(",") if part.strip()]
    for name in names:
        if name not in allowed:
            raise errors.unknown_query_property(type_name, name)
    return names


def project(item: Mapping[str, Any], select: list[str] | None) -> dict[str, Any]:
    """``item`` reduced to ``select`` (MetadataId and the ``@odata.type`` annotation are always kept)."""
    if select is None:
        return dict(item)
    keep = ("@odata.type", "MetadataId", *select)
    return {name: item[name] for name in keep if name in item}


def parse_metadata_filter(text: str, allowed: Collection[str], type_name: str) -> MetadataFilter:
    return _Parser(text, allowed, type_name).parse()


class _Parser:
    def __init__(self, text: str, allowed: Collection[str], type_name: str) -> None:
        self.text = text
        self.allowed = allowed
        self.type_name = type_name
        self.tokens = _enum_literals(tokenize(text))
        self.pos = 0

    def parse(self) -> MetadataFilter:
        if not self.tokens:
            raise errors.syntax("The $filter query option is empty.")
        predicate = self._or()
        if self.pos != len(self.tokens):
            raise errors.syntax(f"Syntax error at '{self.tokens[self.pos].text}' in the $filter '{self.text}'.")
        return predicate

    def _peek(self) -> Token | None:
        return self.tokens[self.pos] if self.pos < len(self.tokens) else None

    def _take(self) -> Token:
        token = self._peek()
        if token is None:
            raise errors.syntax(f"Unexpected end of the $filter '{self.text}'.")
        self.pos += 1
        return token

    def _keyword(self, word: str) -> bool:
        token = self._peek()
        if token is not None and token.kind == "name" and token.text == word:
            self.pos += 1
            return True
        return False

    def _or(self) -> MetadataFilter:
        left = self._and()
        while self._keyword("or"):
            right = self._and()
            left = _either(left, right)
        return left

    def _and(self) -> MetadataFilter:
        left = self._not()
        while self._keyword("and"):
            right = self._not()
            left = _both(left, right)
        return left

    def _not(self) -> MetadataFilter:
        if self._keyword("not"):
            inner = self._not()
            return lambda item: not inner(item)
        return self._primary()

    def _primary(self) -> MetadataFilter:
        token = self._take()
        if token.kind == "lparen":
            inner = self._or()
            if self._take().kind != "rparen":
                raise errors.syntax(f"A ')' is missing in the $filter '{self.text}'.")
            return inner
        following = self._peek()
        if token.kind == "name" and following is not None and following.kind == "lparen":
            # the service's own answer: it has no string functions for definitions (filter client-side)
            raise ODataError(501, errors.QUERY_SYNTAX,
                             f"The '{token.text}' function isn't supported for Metadata Entities.")
        if token.kind != "name":
            raise errors.syntax(f"Expected a property name but found '{token.text}' in '{self.text}'.")
        path = token.text.split("/")
        if path[0] not in self.allowed:
            raise errors.unknown_query_property(self.type_name, path[0])
        op = self._take()
        if op.kind != "name" or op.text not in _OPERATORS:
            if op.text in ("in", "has"):
                raise errors.unsupported(f"the operator '{op.text}' in a $filter on table definitions")
            raise errors.syntax(f"Expected a comparison operator after '{token.text}' but found '{op.text}'.")
        value = self._value()
        return _comparison(path, op.text, value)

    def _value(self) -> Any:
        token = self._take()
        if token.kind == "enum":
            return token.text
        literal = literal_of(token)
        if literal is None:
            raise errors.syntax(f"Expected a literal but found '{token.text}' in '{self.text}'.")
        return literal.value


def _enum_literals(tokens: list[Token]) -> list[Token]:
    """``Microsoft.Dynamics.CRM.OwnershipTypes'UserOwned'`` tokenizes as a name and a string: join them."""
    joined: list[Token] = []
    for token in tokens:
        previous = joined[-1] if joined else None
        if (token.kind == "string" and previous is not None and previous.kind == "name"
                and previous.text.startswith("Microsoft.Dynamics.CRM.")):
            match = _ENUM_LITERAL.match(previous.text + token.text)
            if match is not None:
                joined[-1] = Token("enum", match.group(2))
                continue
        joined.append(token)
    return joined


def _comparison(path: list[str], op: str, value: Any) -> MetadataFilter:
    compare = _OPERATORS[op]

    def predicate(item: Item) -> bool:
        current: Any = item
        for segment in path:
            if isinstance(current, Mapping) and "LocalizedLabels" in current:
                raise errors.unsupported("filtering on the properties of a Label (DisplayName, Description...)")
            current = current.get(segment) if isinstance(current, Mapping) else None
        if isinstance(current, Mapping):
            if "LocalizedLabels" in current:
                raise errors.unsupported("filtering on the properties of a Label (DisplayName, Description...)")
            raise errors.syntax(f"'{'/'.join(path)}' is a complex property: filter on one of its values "
                                f"(for example '{'/'.join(path)}/Value').")
        if op not in ("eq", "ne") and (current is None or value is None):
            return False
        try:
            return bool(compare(current, value))
        except TypeError:
            raise errors.syntax(f"'{'/'.join(path)}' cannot be compared with {value!r}.") from None

    return predicate


def _either(left: MetadataFilter, right: MetadataFilter) -> MetadataFilter:
    return lambda item: left(item) or right(item)


def _both(left: MetadataFilter, right: MetadataFilter) -> MetadataFilter:
    return lambda item: left(item) and right(item)
