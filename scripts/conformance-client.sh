#!/usr/bin/env bash
# The MCP conformance suite's client adapter (`conformance client --command scripts/conformance-client.sh`).
# The suite appends its test server's URL as the last argument and describes the scenario in
# MCP_CONFORMANCE_SCENARIO / MCP_CONFORMANCE_PROTOCOL_VERSION / MCP_CONFORMANCE_CONTEXT; this script is
# the only place reading them, and maps them to the console client's ordinary flags. The browser step is
# scripted the conventional way (BROWSER): a plain HTTP client follows the authorization URL and its
# redirect back to the client's loopback callback, as a browser with an already signed-in user would.
set -euo pipefail

url="${!#}"
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
scenario="${MCP_CONFORMANCE_SCENARIO:-}"
revision="${MCP_CONFORMANCE_PROTOCOL_VERSION:-2025-11-25}"

# Every run starts with no stored registration or tokens.
config="$(mktemp -d)"
trap 'rm -rf "$config"' EXIT
export XDG_CONFIG_HOME="$config"
export BROWSER="$root/scripts/follow-url.sh"

args=(--server "$url" --protocol "$revision" --timeout 20)
# Pre-registered credentials (auth/pre-registration) arrive in the scenario's context.
context_field() {
  node -e 'const v = JSON.parse(process.env.MCP_CONFORMANCE_CONTEXT || "{}")[process.argv[1]]; if (typeof v === "string") process.stdout.write(v);' "$1"
}
# Calls the scenario lists in its context (toolCalls: [{name, arguments}]), as --call/--args pairs, in order.
context_calls() {
  node -e '
    const calls = JSON.parse(process.env.MCP_CONFORMANCE_CONTEXT || "{}").toolCalls;
    for (const call of Array.isArray(calls) ? calls : []) process.stdout.write(`--call\0${call.name}\0--args\0${JSON.stringify(call.arguments ?? {})}\0`);'
}
client_id="$(context_field client_id)"
client_secret="$(context_field client_secret)"
if [ -n "$client_id" ]; then args+=(--client-id "$client_id"); fi
if [ -n "$client_secret" ]; then args+=(--client-secret "$client_secret"); fi

case "$scenario" in
  tools_call) args+=(--call add_numbers --args '{"a":5,"b":3}') ;;
  # tools/call needs a scope beyond the one other requests need (403 insufficient_scope, step-up).
  elicitation-sep1034-client-defaults) args+=(--call test_client_elicitation_defaults --args '{}') ;;
  # One valid tool beside malformed x-mcp-header ones: the valid one stays callable.
  http-invalid-tool-headers) args+=(--call valid_tool --args '{"region":"us-west1"}') ;;
  auth/scope-step-up) args+=(--call test-tool --args '{}') ;;
  # Arguments whose Mcp-Param-* headers need Base64, then null ones (omitted): the calls the context lists.
  http-custom-headers) while IFS= read -r -d '' word; do args+=("$word"); done < <(context_calls) ;;
  # Multi-round-trip requests (SEP-2322): input_required with and without requestState, a plain
  # call in between, and a result without resultType.
  sep-2322-client-request-state)
    args+=(--call test_mrtr_echo_state --call test_mrtr_unrelated --call test_mrtr_no_state --call test_mrtr_no_result_type) ;;
  # The tool's response stream closes after a priming event: the answer comes on the resumed GET stream.
  sse-retry) args+=(--call test_reconnection) ;;
  # The document URL the suite's authorization server expects as client_id (it never fetches it).
  auth/basic-cimd) args+=(--list-tools --client-metadata-url https://conformance-test.local/client-metadata.json) ;;
  *) args+=(--list-tools) ;;
esac

cd "$root"
exec node -r ts-node/register/transpile-only src/client/main.ts "${args[@]}"
