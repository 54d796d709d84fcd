// bench/k6/bench.js: the k6 side of run.sh. VUS virtual users (default 50)
// in a tight loop for DURATION, each iteration one request:
//   SCENARIO=get   GET  $TARGET/get
//   SCENARIO=post  POST $TARGET/mcp with a tools/call JSON body
// The summary (request count) goes to the file $SUMMARY as JSON.
//
//   k6 run --no-usage-report -e TARGET=http://127.0.0.1:18080 -e SCENARIO=get -e SUMMARY=out.json bench.js
import http from 'k6/http';

export const options = {
  vus: Number(__ENV.VUS || 50),
  duration: __ENV.DURATION || '10s',
  discardResponseBodies: true,
  summaryTrendStats: ['med', 'p(90)', 'p(99)', 'max'],
};

const base = __ENV.TARGET || 'http://127.0.0.1:18080';
const body = '{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"echo","arguments":{"message":"hello"}}}';
const params = { headers: { 'Content-Type': 'application/json', 'Accept': 'application/json, text/event-stream' } };

export default function () {
  if (__ENV.SCENARIO === 'post') {
    http.post(base + '/mcp', body, params);
  } else {
    http.get(base + '/get');
  }
}

export function handleSummary(data) {
  const out = {};
  out[__ENV.SUMMARY || 'k6-summary.json'] = JSON.stringify(data);
  return out;
}
