#!/usr/bin/env python3
"""A scripted stdio MCP server for the proxy's edge cases. It answers each
client request by the tool name it calls:
  echo            a result echoing the arguments
  fail            a JSON-RPC error -32000
  tool-error      a result with isError: true
  garbage         a line that is not JSON first, then the result
  huge            a result line of 10 MiB + 1 byte (a text of that size)
  die             exit(3) at once, without answering
  killme          SIGKILL ourselves without answering
  slow            never answer (until stdin ends: then exit 0)
  ask             send the client a request with the *same* id (sampling),
                  wait for its answer, then answer the original request
  progress        two notifications/progress for the request's token, then the result
  flood           arguments.n notifications/progress for the request's token, written
                  at once, then the result
  nan             a result whose structuredContent holds NaN, as Python's json
                  writes it by default (JavaScript's JSON.parse refuses it)
any other tool    a result whose text is its arguments; with arguments.structured,
                  that value as its structuredContent (and arguments.isError as isError)
initialize gets a result with the client's protocolVersion (so that an SDK
client connects);
other methods (tools/list, ...) get an empty result; with --tools FILE,
tools/list gets the tools the JSON file lists. With
--exit-status N the server exits N when stdin ends; --log FILE appends every
line it reads (to compare byte for byte); --stderr-at-exit says goodbye on
stderr when stdin ends, and dies of SIGPIPE if no one reads it any more;
--stubborn ignores SIGTERM and stays (silent) for 120 s after its stdin
ends, as a server busy in a long computation; --string-ids writes the ids of its answers and its progress tokens as
strings ("1" for 1), as a server that models ids as strings does."""
import json
import os
import signal
import sys
import time

out = sys.stdout.buffer


STRING_IDS = "--string-ids" in sys.argv


def send(obj):
    if STRING_IDS and "method" not in obj and "id" in obj:
        obj["id"] = str(obj["id"])
    if STRING_IDS and obj.get("method") == "notifications/progress":
        obj["params"]["progressToken"] = str(obj["params"]["progressToken"])
    out.write(json.dumps(obj, separators=(",", ":")).encode() + b"\n")
    out.flush()


def main():
    exit_status = 0
    tools = None
    log = None
    goodbye = False
    stubborn = False
    args = sys.argv[1:]
    while args:
        a = args.pop(0)
        if a == "--exit-status":
            exit_status = int(args.pop(0))
        elif a == "--log":
            log = open(args.pop(0), "ab")
        elif a == "--tools":
            with open(args.pop(0)) as f:
                tools = json.load(f)
        elif a == "--stderr-at-exit":
            goodbye = True
        elif a == "--stubborn":
            signal.signal(signal.SIGTERM, signal.SIG_IGN)
            stubborn = True
    waiting = {}  # our request id -> the client request it serves
    for raw in sys.stdin.buffer:
        if log:
            log.write(raw)
            log.flush()
        try:
            msg = json.loads(raw)
        except ValueError:
            continue
        if not isinstance(msg, dict):
            continue
        if "method" not in msg:
            # The client's answer to one of our requests.
            orig = waiting.pop(json.dumps(msg.get("id")), None)
            if orig is not None:
                send({"jsonrpc": "2.0", "id": orig, "result": {
                    "content": [{"type": "text", "text": "asked: %s" % json.dumps(msg.get("result"))}]}})
            continue
        if "id" not in msg:
            continue
        rid = msg["id"]
        params = msg.get("params") or {}
        name = params.get("name") if msg["method"] == "tools/call" else None
        if name == "fail":
            send({"jsonrpc": "2.0", "id": rid, "error": {"code": -32000, "message": "it broke"}})
        elif name == "tool-error":
            send({"jsonrpc": "2.0", "id": rid, "result": {
                "content": [{"type": "text", "text": "bad input: x"}], "isError": True}})
        elif name == "garbage":
            out.write(b"this is not json {\n")
            send({"jsonrpc": "2.0", "id": rid, "result": {"content": []}})
        elif name == "huge":
            text = "x" * (10 * 1024 * 1024 + 1)
            send({"jsonrpc": "2.0", "id": rid, "result": {"content": [{"type": "text", "text": text}]}})
        elif name == "die":
            sys.exit(3)
        elif name == "killme":
            os.kill(os.getpid(), signal.SIGKILL)
        elif name == "slow":
            pass
        elif name == "ask":
            waiting[json.dumps(rid)] = rid
            send({"jsonrpc": "2.0", "id": rid, "method": "sampling/createMessage",
                  "params": {"messages": [], "maxTokens": 5}})
        elif name == "nan":
            send({"jsonrpc": "2.0", "id": rid, "result": {
                "content": [{"type": "text", "text": "scored"}],
                "structuredContent": {"score": float("nan")}}})
        elif msg["method"] == "initialize":
            send({"jsonrpc": "2.0", "id": rid, "result": {
                "protocolVersion": params.get("protocolVersion", "2025-06-18"),
                "capabilities": {"tools": {}}, "serverInfo": {"name": "fake", "version": "1"}}})
        elif name == "progress":
            token = (params.get("_meta") or {}).get("progressToken")
            for i in (1, 2):
                send({"jsonrpc": "2.0", "method": "notifications/progress",
                      "params": {"progressToken": token, "progress": i, "total": 2,
                                 "message": "step %d" % i}})
            send({"jsonrpc": "2.0", "id": rid, "result": {"content": [{"type": "text", "text": "done"}]}})
        elif name == "flood":
            token = (params.get("_meta") or {}).get("progressToken")
            n = int((params.get("arguments") or {}).get("n", 1))
            out.write(b"".join(json.dumps(
                {"jsonrpc": "2.0", "method": "notifications/progress",
                 "params": {"progressToken": token, "progress": i, "total": n}},
                separators=(",", ":")).encode() + b"\n" for i in range(1, n + 1)))
            send({"jsonrpc": "2.0", "id": rid, "result": {"content": [{"type": "text", "text": "flooded"}]}})
        elif name is not None:
            arguments = params.get("arguments") or {}
            result = {"content": [{"type": "text", "text": json.dumps(arguments)}]}
            for key in ("structured", "isError"):
                if isinstance(arguments, dict) and key in arguments:
                    result["structuredContent" if key == "structured" else key] = arguments[key]
            send({"jsonrpc": "2.0", "id": rid, "result": result})
        elif msg["method"] == "tools/list" and tools is not None:
            send({"jsonrpc": "2.0", "id": rid, "result": {"tools": tools}})
        else:
            send({"jsonrpc": "2.0", "id": rid, "result": {}})
    if stubborn:
        time.sleep(120)
    if goodbye:
        signal.signal(signal.SIGPIPE, signal.SIG_DFL)  # as a C or Go server dies of it
        os.write(2, b"fake server: stdin ended, bye\n")
    sys.exit(exit_status)


if __name__ == "__main__":
    main()
