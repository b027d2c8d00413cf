"""A tool's structuredContent against the outputSchema it listed (man page
PROXY, Faithful), through the real binary: the proxy's verdicts agree with
the SDKs' own checkers (the TypeScript SDK's AjvJsonSchemaValidator, and
jsonschema as the Python SDK's client calls it) on generated schemas and
values, and the TypeScript SDK's client fails exactly the calls the proxy
records as refused."""
import json
import os
import random
import subprocess
import sys
import unittest

from harness import BIN, Case
from test_proxy import CLIENT, FAKE, PROXY_TESTS, SdkCase, call, lines, request

try:
    import jsonschema
except ImportError:  # scripts/install-deps.sh installs python3-jsonschema
    jsonschema = None

AJV_CHECK = os.path.join(PROXY_TESTS, "ajv_check.mjs")

# Values both readers hold alike: no integer beyond 2^53, no NaN.
SCALARS = [None, True, False, 0, 1, -1, 2, 3, 7, 10, -5, 1.0, 2.0, 2.5, -1.5, 0.1, 100.0,
           "", "a", "ab", "abc", "héllo", "😀", "😀x", "1"]
KEYS = ["a", "b", "c", "n"]
TYPES = ["null", "boolean", "object", "array", "number", "integer", "string"]


def value(r, depth=0):
    roll = r.random()
    if depth < 2 and roll < 0.15:
        return [value(r, depth + 1) for _ in range(r.randrange(4))]
    if depth < 2 and roll < 0.3:
        return {k: value(r, depth + 1) for k in r.sample(KEYS, r.randrange(4))}
    return r.choice(SCALARS)


def schema(r, depth=0):
    """A schema of the keywords the proxy reads (src/proxy/json_schema.h)."""
    # (A listing's property schema that is no object makes the TypeScript
    # SDK refuse the whole listing: booleans only below.)
    if depth > 0 and r.random() < 0.05:
        return r.random() < 0.7
    s = {}
    for _ in range(r.randrange(1, 4) if depth < 3 else 1):
        kind = r.randrange(14)
        if kind == 0:
            s["type"] = r.choice(TYPES) if r.random() < 0.7 else r.sample(TYPES, 2)
        elif kind == 1:
            s["enum"] = [value(r, 2) for _ in range(r.randrange(1, 4))]
        elif kind == 2:
            s["const"] = value(r, 1)
        elif kind == 3 and depth < 3:
            names = r.sample(KEYS, r.randrange(1, 3))
            s["properties"] = {k: schema(r, depth + 1) for k in names}
            s["required"] = r.sample(KEYS, r.randrange(3))
            if r.random() < 0.4:
                s["additionalProperties"] = schema(r, depth + 1) if r.random() < 0.5 else False
        elif kind == 4 and depth < 3:
            s["items"] = schema(r, depth + 1)
        elif kind == 5:
            s[r.choice(["minItems", "maxItems", "minProperties", "maxProperties"])] = r.randrange(3)
        elif kind == 6:
            s[r.choice(["minLength", "maxLength"])] = r.randrange(4)
        elif kind == 7:
            s[r.choice(["minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum"])] = \
                r.choice([0, 1, 2, 2.5, -1])
        elif kind == 8:
            s["multipleOf"] = r.choice([1, 2, 3, 5])
        elif kind == 9:
            s["uniqueItems"] = r.random() < 0.8
        elif kind == 10 and depth < 3:
            s[r.choice(["allOf", "anyOf", "oneOf"])] = \
                [schema(r, depth + 1) for _ in range(r.randrange(1, 4))]
        elif kind == 11 and depth < 3:
            s["not"] = schema(r, depth + 1)
        elif kind == 12:
            # Beside other keywords: ajv and 2020-12 apply them, draft-07 not.
            s["$ref"] = "#/$defs/" + r.choice(["small", "text"])
        elif kind == 13:
            s["description"] = "said, not checked"
    return s


# The $defs every generated tool's schema carries, for its $refs.
DEFS = {"small": {"type": "integer", "maximum": 3}, "text": {"type": "string", "minLength": 1}}


def cases(seed, count):
    r = random.Random(seed)
    out = []
    for _ in range(count):
        # The outputSchema is an object (the TypeScript SDK's listing wants
        # type "object"); what is generated is checked as its member "v".
        s = schema(r)
        wrapped = {"type": "object", "properties": {"v": s}, "required": ["v"], "$defs": DEFS}
        if r.random() < 0.2:
            wrapped["$schema"] = "http://json-schema.org/draft-07/schema#"
        out.append((wrapped, {"v": value(r)}))
    return out


class OutputSchemaTest(SdkCase):
    def setUp(self):
        super().setUp()
        if jsonschema is None:
            self.fail("python3-jsonschema is not installed (scripts/install-deps.sh installs it)")

    def ajv(self, pairs):
        r = subprocess.run(["node", AJV_CHECK], input=json.dumps(pairs), capture_output=True,
                           text=True, env=self.env, timeout=120)
        self.assertEqual(r.returncode, 0, r.stderr)
        return json.loads(r.stdout)

    def test_the_proxy_judges_as_ajv_and_jsonschema_do(self):
        seed = int(os.environ.get("MCPR_SCHEMA_SEED", "20261204"))
        pairs = cases(seed, 400)
        typescript = self.ajv(pairs)
        python = [jsonschema.validators.validator_for(s)(s).is_valid(v) for s, v in pairs]
        tools = [{"name": "t%d" % i, "inputSchema": {"type": "object"}, "outputSchema": s}
                 for i, (s, _) in enumerate(pairs)]
        tools_file = os.path.join(self.dir, "tools.json")
        with open(tools_file, "w") as f:
            json.dump(tools, f)
        session = [request(0, "initialize", protocolVersion="2025-06-18", capabilities={},
                           clientInfo={"name": "c", "version": "1"}),
                   request(1, "tools/list")]
        session += [call(10 + i, "t%d" % i, {"structured": v}) for i, (_, v) in enumerate(pairs)]
        r = subprocess.run([BIN, "proxy", "--", sys.executable, FAKE, "--tools", tools_file],
                           input=lines(*session), capture_output=True, env=self.env,
                           timeout=120, cwd=self.cwd)
        self.assertEqual(r.returncode, 0, r.stderr)
        ends = {}
        for body in self.bodies():
            if body["action"] == "interaction_start":
                ends.setdefault(body["interaction_id"], [body["request_data"]["gen_ai.tool.name"]])
            else:
                ends[body["interaction_id"]].append(body.get("result_data"))
        got = {name: data for name, data in ends.values()}
        self.assertEqual(len(got), len(pairs))
        wrong = []
        for i, (s, v) in enumerate(pairs):
            want = {(True, True): (True, None), (True, False): (None, "python"),
                    (False, True): (None, "typescript"), (False, False): (None, None)}
            success, refused_by = want[(typescript[i], python[i])]
            data = got["t%d" % i]
            if (data["success"], data.get("refused_by")) != (success, refused_by):
                wrong.append("t%d: %s against %s: ajv %s, jsonschema %s; recorded %s" % (
                    i, json.dumps(v), json.dumps(s["properties"]["v"]), typescript[i], python[i],
                    json.dumps(data)))
        self.assertEqual(wrong, [], "seed %d: %d of %d judged otherwise" % (seed, len(wrong), len(pairs)))
        # Not a vacuous run: both verdicts are common.
        for verdicts in (typescript, python):
            self.assertGreater(sum(verdicts), len(pairs) // 5)
            self.assertGreater(len(pairs) - sum(verdicts), len(pairs) // 5)

    def test_the_typescript_client_fails_the_calls_recorded_as_refused(self):
        tools_file = os.path.join(self.dir, "tools.json")
        with open(tools_file, "w") as f:
            json.dump([{"name": "count", "inputSchema": {"type": "object"},
                        "outputSchema": {"type": "object", "required": ["n"],
                                         "properties": {"n": {"type": "integer", "minimum": 0}}}}], f)
        r = subprocess.run(["node", CLIENT, "schema", BIN, "proxy", "--", sys.executable, FAKE,
                            "--tools", tools_file],
                           capture_output=True, env=self.env, timeout=120, cwd=self.cwd)
        self.assertEqual(r.returncode, 0, r.stderr)
        out = json.loads(r.stdout)
        self.assertIn("result", out["matches"])
        self.assertIn("does not match the tool's output schema", out["fails"]["error"]["message"])
        self.assertIn("did not return structured content", out["none"]["error"]["message"])
        self.assertIs(out["toolError"]["result"]["isError"], True)
        ends = [b for b in self.bodies() if b["action"] != "interaction_start"]
        recorded = [(b["action"][12:], (b.get("result_data") or {}).get("success"),
                     (b.get("error_data") or {}).get("error_type")) for b in ends]
        # Failed by both SDKs' clients: answered, not a success; the tool's
        # own error is checked by neither (it has no structuredContent).
        self.assertEqual(recorded, [("complete", True, None), ("complete", None, None),
                                    ("complete", None, None), ("error", None, "ToolError")])


if __name__ == "__main__":
    unittest.main()
