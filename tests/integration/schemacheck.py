#!/usr/bin/env python3
"""A small JSON Schema validator for failpool's own schemas (doc/*.schema.json).

It supports the subset of draft 2020-12 those schemas use: type, properties,
required, items, enum, const, additionalProperties, $ref (to "#/$defs/..."),
anyOf, oneOf and minimum.  A keyword outside that subset is an error, so a
schema cannot silently rely on something this checker ignores.

usage: schemacheck.py SCHEMA FILE...
Prints one line per FILE ("ok FILE" or "invalid FILE: PATH: reason") and
exits 0 if every FILE is valid, 1 if one is not, 2 on a usage or schema error.
"""
import json
import sys

KNOWN = {"$schema", "$id", "$defs", "title", "description", "type", "properties",
         "required", "items", "enum", "const", "additionalProperties", "$ref",
         "anyOf", "oneOf", "minimum"}


class SchemaError(Exception):
    pass


def is_type(v, t):
    if t == "null":
        return v is None
    if t == "boolean":
        return isinstance(v, bool)
    if t == "integer":
        return isinstance(v, int) and not isinstance(v, bool) or \
            isinstance(v, float) and v.is_integer()
    if t == "number":
        return isinstance(v, (int, float)) and not isinstance(v, bool)
    if t == "string":
        return isinstance(v, str)
    if t == "array":
        return isinstance(v, list)
    if t == "object":
        return isinstance(v, dict)
    raise SchemaError("unknown type %r" % t)


def same(a, b):
    return type(a) is type(b) and a == b or \
        is_type(a, "number") and is_type(b, "number") and a == b


def errors(root, s, v, path):
    """Yield (path, reason) for every way v fails schema s."""
    if s is True:
        return
    if s is False:
        yield path, "no value allowed here"
        return
    unknown = set(s) - KNOWN
    if unknown:
        raise SchemaError("unsupported keyword(s) %s" % ", ".join(sorted(unknown)))
    if "$ref" in s:
        ref = s["$ref"]
        if not ref.startswith("#/$defs/"):
            raise SchemaError("unsupported $ref %r" % ref)
        name = ref[len("#/$defs/"):]
        if name not in root.get("$defs", {}):
            raise SchemaError("undefined $ref %r" % ref)
        yield from errors(root, root["$defs"][name], v, path)
    if "type" in s:
        types = s["type"] if isinstance(s["type"], list) else [s["type"]]
        if not any(is_type(v, t) for t in types):
            yield path, "%s is not of type %s" % (json.dumps(v)[:60], "/".join(types))
            return
    if "const" in s and not same(v, s["const"]):
        yield path, "%s is not %s" % (json.dumps(v)[:60], json.dumps(s["const"]))
    if "enum" in s and not any(same(v, e) for e in s["enum"]):
        yield path, "%s is not one of %s" % (json.dumps(v)[:60], json.dumps(s["enum"]))
    if "minimum" in s and is_type(v, "number") and v < s["minimum"]:
        yield path, "%s is less than %s" % (v, s["minimum"])
    if isinstance(v, dict):
        props = s.get("properties", {})
        for k in s.get("required", []):
            if k not in v:
                yield path, "missing required key %r" % k
        for k, x in v.items():
            if k in props:
                yield from errors(root, props[k], x, path + "/" + k)
            elif "additionalProperties" in s:
                yield from errors(root, s["additionalProperties"], x, path + "/" + k)
    if isinstance(v, list) and "items" in s:
        for i, x in enumerate(v):
            yield from errors(root, s["items"], x, "%s/%d" % (path, i))
    if "anyOf" in s:
        alts = [list(errors(root, a, v, path)) for a in s["anyOf"]]
        if all(alts):
            yield path, "matches none of anyOf: " + "; ".join(
                "%s: %s" % e[0] for e in alts)
    if "oneOf" in s:
        alts = [list(errors(root, a, v, path)) for a in s["oneOf"]]
        n = sum(1 for a in alts if not a)
        if n != 1:
            yield path, "matches %d of oneOf, not exactly 1" % n


def main(argv):
    if len(argv) < 3:
        sys.stderr.write("usage: schemacheck.py SCHEMA FILE...\n")
        return 2
    try:
        with open(argv[1]) as f:
            root = json.load(f)
    except (OSError, ValueError) as e:
        sys.stderr.write("schemacheck: %s: %s\n" % (argv[1], e))
        return 2
    rc = 0
    for name in argv[2:]:
        try:
            with open(name) as f:
                doc = json.load(f)
        except (OSError, ValueError) as e:
            print("invalid %s: not JSON: %s" % (name, e))
            rc = 1
            continue
        try:
            errs = list(errors(root, root, doc, ""))
        except SchemaError as e:
            sys.stderr.write("schemacheck: %s: %s\n" % (argv[1], e))
            return 2
        if errs:
            rc = 1
            for p, why in errs:
                print("invalid %s: %s: %s" % (name, p or "/", why))
        else:
            print("ok %s" % name)
    return rc


if __name__ == "__main__":
    sys.exit(main(sys.argv))
