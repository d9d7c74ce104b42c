import { describe, expect, it } from "vitest";
import { parseOtlpHeaders, parseTraceparent } from "@/lib/observability/traces";

describe("OTEL_EXPORTER_OTLP_HEADERS", () => {
  it("reads key=value pairs, a value whole after its first '=' (base64 padding), percent-encoding decoded where it decodes", () => {
    expect(parseOtlpHeaders("x-honeycomb-team=abc123, authorization=Basic dXNlcjpwYXNz==")).toEqual({ "x-honeycomb-team": "abc123", authorization: "Basic dXNlcjpwYXNz==" });
    expect(parseOtlpHeaders("authorization=Bearer%20tok%3D")).toEqual({ authorization: "Bearer tok=" });
    expect(parseOtlpHeaders("k=50%")).toEqual({ k: "50%" });
    expect(parseOtlpHeaders("")).toEqual({});
    expect(parseOtlpHeaders("novalue,=x, ,a=")).toEqual({ a: "" });
  });
});

describe("traceparent", () => {
  it("continues a well-formed one and refuses the rest (a new trace starts)", () => {
    expect(parseTraceparent("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01")).toEqual({ traceId: "4bf92f3577b34da6a3ce929d0e0e4736", parentSpanId: "00f067aa0ba902b7", sampled: true });
    expect(parseTraceparent(" 00-4BF92F3577B34DA6A3CE929D0E0E4736-00F067AA0BA902B7-00 ")?.sampled).toBe(false);
    for (const bad of [null, "", "00-zzzz-bad-01", `00-${"0".repeat(32)}-00f067aa0ba902b7-01`, `00-4bf92f3577b34da6a3ce929d0e0e4736-${"0".repeat(16)}-01`]) expect(parseTraceparent(bad)).toBeNull();
  });
});
