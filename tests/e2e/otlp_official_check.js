// Checks OTLP/HTTP JSON export requests made by mcp-report against the
// official OpenTelemetry JS implementation (@opentelemetry/otlp-transformer):
// each request read from the files named on the command line (logs or
// traces, by its top-level key) is turned back into the SDK's log records or
// ReadableSpans, serialized by the official JSON serializer (and by its
// protobuf one, which must accept them), and the two JSON documents compared
// after normalizing what protobuf JSON allows either way (default values left
// out, 64-bit integers as numbers or strings). A field name we got wrong is
// missing from what the SDK sees, so it shows as a difference. Exit 0 when
// all match; 1 with the first difference.
// Usage: NODE_PATH=.cache/npm-otlp/node_modules node otlp_official_check.js FILE...
'use strict';
const fs = require('fs');
const { JsonLogsSerializer, ProtobufLogsSerializer, JsonTraceSerializer, ProtobufTraceSerializer } =
  require('@opentelemetry/otlp-transformer');
const { resourceFromAttributes } = require('@opentelemetry/resources');
const { TraceState } = require('@opentelemetry/core');

function plain(any) {
  if ('kvlistValue' in any)
    return Object.fromEntries((any.kvlistValue.values || []).map(kv => [kv.key, plain(kv.value)]));
  if ('arrayValue' in any) return (any.arrayValue.values || []).map(plain);
  if ('intValue' in any) return Number(any.intValue);
  for (const k of ['stringValue', 'boolValue', 'doubleValue']) if (k in any) return any[k];
  if (Object.keys(any).length === 0) return null;
  throw new Error('unknown AnyValue ' + JSON.stringify(any));
}

function attributes(list) {
  return Object.fromEntries((list || []).map(kv => [kv.key, plain(kv.value)]));
}

function hrTime(nanos) {
  const n = BigInt(nanos);
  return [Number(n / 1000000000n), Number(n % 1000000000n)];
}

// The SDK's ReadableLogRecords that an application would have emitted.
function sdkRecords(request) {
  const out = [];
  for (const rl of request.resourceLogs || []) {
    const resource = resourceFromAttributes(attributes(rl.resource && rl.resource.attributes),
                                            { schemaUrl: rl.schemaUrl });
    for (const sl of rl.scopeLogs || []) {
      // The SDK groups records by the identity of their resource and scope.
      const scope = { name: sl.scope.name, version: sl.scope.version, schemaUrl: sl.schemaUrl };
      for (const r of sl.logRecords || []) {
        out.push({
          hrTime: hrTime(r.timeUnixNano), hrTimeObserved: hrTime(r.observedTimeUnixNano),
          severityNumber: r.severityNumber, severityText: r.severityText,
          body: r.body === undefined ? undefined : plain(r.body),
          attributes: attributes(r.attributes), droppedAttributesCount: 0,
          spanContext: r.traceId ? { traceId: r.traceId, spanId: r.spanId || '', traceFlags: r.flags || 0 } : undefined,
          eventName: r.eventName, resource,
          instrumentationScope: scope,
        });
      }
    }
  }
  return out;
}

// The SDK's ReadableSpans that an instrumented server would have ended.
function sdkSpans(request) {
  const out = [];
  for (const rs of request.resourceSpans || []) {
    const resource = resourceFromAttributes(attributes(rs.resource && rs.resource.attributes),
                                            { schemaUrl: rs.schemaUrl });
    for (const ss of rs.scopeSpans || []) {
      const scope = { name: ss.scope.name, version: ss.scope.version, schemaUrl: ss.schemaUrl };
      for (const s of ss.spans || []) {
        const flags = s.flags || 0;
        out.push({
          name: s.name,
          kind: s.kind - 1,  // the SDK's SpanKind is OTLP's minus one
          spanContext: () => ({
            traceId: s.traceId, spanId: s.spanId, traceFlags: flags & 0xff,
            traceState: s.traceState ? new TraceState(s.traceState) : undefined,
          }),
          parentSpanContext: s.parentSpanId
            ? { traceId: s.traceId, spanId: s.parentSpanId, traceFlags: flags & 0xff,
                isRemote: (flags & 0x200) !== 0 }
            : undefined,
          startTime: hrTime(s.startTimeUnixNano), endTime: hrTime(s.endTimeUnixNano),
          status: s.status ? { code: s.status.code || 0, message: s.status.message } : { code: 0 },
          attributes: attributes(s.attributes), links: [], events: [],
          duration: [0, 0], ended: true, resource, instrumentationScope: scope,
          droppedAttributesCount: 0, droppedEventsCount: 0, droppedLinksCount: 0,
        });
      }
    }
  }
  return out;
}

// Sorted keys; defaults (0, "", [], {}, null) dropped; intValue as a string.
function normalize(v, key) {
  if (Array.isArray(v)) return v.map(x => normalize(x));
  if (v && typeof v === 'object') {
    const o = {};
    for (const k of Object.keys(v).sort()) {
      const x = normalize(v[k], k);
      if (x === 0 || x === '' || x === undefined || x === null) continue;
      if (typeof x === 'object' && Object.keys(x).length === 0) continue;
      o[k] = x;
    }
    return o;
  }
  if (key === 'intValue') return String(v);
  return v;
}

let failed = false;
for (const file of process.argv.slice(2)) {
  const ours = JSON.parse(fs.readFileSync(file, 'utf8'));
  const traces = 'resourceSpans' in ours;
  const records = traces ? sdkSpans(ours) : sdkRecords(ours);
  const json = traces ? JsonTraceSerializer : JsonLogsSerializer;
  const official = JSON.parse(Buffer.from(json.serializeRequest(records)).toString());
  // The JS transformer also copies the schema URL into the Resource message,
  // which has no such field (resource.proto: attributes,
  // dropped_attributes_count): ResourceSpans/ResourceLogs.schemaUrl is the one.
  for (const r of official.resourceSpans || official.resourceLogs || [])
    if (r.resource) delete r.resource.schemaUrl;
  const protobuf = (traces ? ProtobufTraceSerializer : ProtobufLogsSerializer).serializeRequest(records);
  if (!protobuf || (records.length && protobuf.length === 0)) {
    console.error(file + ': the protobuf serializer refused the records');
    failed = true;
  }
  const a = JSON.stringify(normalize(ours)), b = JSON.stringify(normalize(official));
  if (a !== b) {
    let i = 0;
    while (i < a.length && a[i] === b[i]) ++i;
    console.error(file + ': differs from the official serialization at ' + i + ':\n  ours:     ...' +
                  a.slice(Math.max(0, i - 80), i + 80) + '\n  official: ...' +
                  b.slice(Math.max(0, i - 80), i + 80));
    failed = true;
  } else {
    console.log(file + ': ' + records.length + (traces ? ' spans' : ' records') +
                ' match the official serialization');
  }
}
process.exit(failed ? 1 : 0);
