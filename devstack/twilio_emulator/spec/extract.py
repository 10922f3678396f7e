"""Extract the operations the Twilio emulator serves from Twilio's OpenAPI description.

The full description (twilio/twilio-oai, ``spec/json/twilio_api_v2010.json``, MIT) is almost 2 MB; the
emulator only needs parameter names, SID patterns, enums and the field list of four resources. The
result is committed beside this script so a fresh clone runs without the full file:

    python -m devstack.twilio_emulator.spec.extract /path/to/twilio_api_v2010.json

Arrays in form bodies (``MediaUrl``) are marked ``"array": true`` because Twilio and its SDKs send them
as repeated keys, not as one value.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
DEFAULT_OUTPUT = HERE / "twilio_api_v2010.subset.json"

#: (method, path) pairs served by the emulator.
OPERATIONS: tuple[tuple[str, str], ...] = (
    ("get", "/2010-04-01/Accounts/{Sid}.json"),
    ("get", "/2010-04-01/Accounts/{AccountSid}/Messages.json"),
    ("post", "/2010-04-01/Accounts/{AccountSid}/Messages.json"),
    ("get", "/2010-04-01/Accounts/{AccountSid}/Messages/{Sid}.json"),
    ("post", "/2010-04-01/Accounts/{AccountSid}/Messages/{Sid}.json"),
    ("delete", "/2010-04-01/Accounts/{AccountSid}/Messages/{Sid}.json"),
    ("get", "/2010-04-01/Accounts/{AccountSid}/Messages/{MessageSid}/Media.json"),
    ("get", "/2010-04-01/Accounts/{AccountSid}/Messages/{MessageSid}/Media/{Sid}.json"),
    ("delete", "/2010-04-01/Accounts/{AccountSid}/Messages/{MessageSid}/Media/{Sid}.json"),
    ("get", "/2010-04-01/Accounts/{AccountSid}/IncomingPhoneNumbers.json"),
    ("get", "/2010-04-01/Accounts/{AccountSid}/IncomingPhoneNumbers/{Sid}.json"),
    ("post", "/2010-04-01/Accounts/{AccountSid}/IncomingPhoneNumbers/{Sid}.json"),
)

_KEPT_SCHEMA_KEYS = ("type", "format", "pattern", "minLength", "maxLength", "minimum", "maximum")


def _resolve(spec: dict[str, Any], schema: dict[str, Any]) -> dict[str, Any]:
    ref = schema.get("$ref")
    if ref is None:
        return schema
    name = ref.rsplit("/", 1)[-1]
    resolved: dict[str, Any] = spec["components"]["schemas"][name]
    return resolved


def _param_schema(spec: dict[str, Any], schema: dict[str, Any]) -> dict[str, Any]:
    schema = _resolve(spec, schema)
    out: dict[str, Any] = {k: schema[k] for k in _KEPT_SCHEMA_KEYS if k in schema}
    if "enum" in schema:
        out["enum"] = list(schema["enum"])
    if schema.get("type") == "array":
        out = _param_schema(spec, schema.get("items", {}))
        out["array"] = True
    return out


def _operation(spec: dict[str, Any], method: str, path: str) -> dict[str, Any]:
    op = spec["paths"][path][method]
    path_params: dict[str, Any] = {}
    query_params: dict[str, Any] = {}
    for param in op.get("parameters", []):
        target = path_params if param["in"] == "path" else query_params
        target[param["name"]] = _param_schema(spec, param.get("schema", {}))
    form_params: dict[str, Any] = {}
    required: list[str] = []
    body = op.get("requestBody", {}).get("content", {}).get("application/x-www-form-urlencoded")
    if body is not None:
        schema = _resolve(spec, body["schema"])
        for name, prop in schema.get("properties", {}).items():
            form_params[name] = _param_schema(spec, prop)
        required = list(schema.get("required", []))
    resource = None
    list_key = None
    for status in ("200", "201"):
        content = op.get("responses", {}).get(status, {}).get("content", {}).get("application/json")
        if content is None:
            continue
        schema = content["schema"]
        if "$ref" in schema:
            resource = schema["$ref"].rsplit("/", 1)[-1]
        else:
            for key, prop in schema.get("properties", {}).items():
                if prop.get("type") == "array" and "$ref" in prop.get("items", {}):
                    list_key = key
                    resource = prop["items"]["$ref"].rsplit("/", 1)[-1]
    return {
        "operation": op.get("operationId", f"{method} {path}"),
        "path_params": path_params,
        "query_params": query_params,
        "form_params": form_params,
        "required_form": required,
        "resource": resource,
        "list_key": list_key,
    }


def _resource(spec: dict[str, Any], name: str) -> dict[str, Any]:
    schema = spec["components"]["schemas"][name]
    fields: dict[str, Any] = {}
    for field, prop in schema.get("properties", {}).items():
        fields[field] = _param_schema(spec, prop)
    return {"fields": fields}


def extract(spec: dict[str, Any], wanted: tuple[tuple[str, str], ...] = OPERATIONS) -> dict[str, Any]:
    operations = {f"{method.upper()} {path}": _operation(spec, method, path) for method, path in wanted}
    resources = sorted({op["resource"] for op in operations.values() if op["resource"]})
    return {
        "source": "twilio/twilio-oai spec/json/twilio_api_v2010.json (MIT, see LICENSE.twilio-oai)",
        "info_version": spec.get("info", {}).get("version"),
        "operations": operations,
        "resources": {name: _resource(spec, name) for name in resources},
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("spec", type=Path, help="path to twilio_api_v2010.json")
    parser.add_argument("-o", "--output", type=Path, default=DEFAULT_OUTPUT)
    args = parser.parse_args(argv)
    spec = json.loads(args.spec.read_text(encoding="utf-8"))
    subset = extract(spec)
    args.output.write_text(json.dumps(subset, indent=1, sort_keys=True) + "\n", encoding="utf-8")
    print(f"wrote {len(subset['operations'])} operations to {args.output}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
