import { describe, expect, it } from "vitest";
import { displayHostname, normalizeHostname } from "@/lib/domains/hostname";

const APPS = "apps.example.net";
const check = (raw: string) => normalizeHostname(raw, APPS);

describe("normalizeHostname", () => {
  it.each([
    ["shop.example.com", "shop.example.com"],
    ["  Shop.Example.COM  ", "shop.example.com"],
    ["shop.example.com.", "shop.example.com"],
    ["bücher.example", "xn--bcher-kva.example"],
    ["xn--bcher-kva.example", "xn--bcher-kva.example"],
    ["a.b", "a.b"],
    ["123.example.com", "123.example.com"],
    ["my-shop.co.uk", "my-shop.co.uk"],
    [`${"a".repeat(63)}.example.com`, `${"a".repeat(63)}.example.com`],
    ["example.net", "example.net"],
    // A sibling that merely ends with the same letters is not under APPS_DOMAIN.
    ["myapps.example.net", "myapps.example.net"],
  ])("accepts %j as %j", (raw, hostname) => {
    expect(check(raw)).toEqual({ hostname });
  });

  it.each([
    ["", /Enter a host name/],
    ["   ", /Enter a host name/],
    ["example", /at least one dot/],
    ["localhost", /at least one dot/],
    ["app.localhost", /localhost only reach this machine/],
    ["1.2.3.4", /IP address/],
    ["1.2.3", /IP address/],
    ["0x7f.1", /IP address/],
    ["::1", /IP address/],
    ["[::1]", /IP address/],
    ["https://shop.example.com", /no https:\/\/, path or port/],
    ["shop.example.com/path", /no https:\/\/, path or port/],
    ["shop.example.com:8080", /no https:\/\/, path or port/],
    ["user@shop.example.com", /no https:\/\/, path or port/],
    ["ex%41mple.com", /no https:\/\/, path or port/],
    ["exa mple.com", /no https:\/\/, path or port/],
    ["-shop.example.com", /"-shop" is not/],
    ["shop-.example.com", /"shop-" is not/],
    ["a..b", /"" is not/],
    [".example.com", /"" is not/],
    ["shop_1.example.com", /"shop_1" is not/],
    ["*.example.com", /"\*" is not/],
    [`${"a".repeat(64)}.example.com`, /1 to 63/],
    [`${"abcdefghi.".repeat(25)}example.com`, /at most 253/],
    ["example.123", /not a valid host name/],
    ["xn--zz.com", /not a valid host name/],
    ["apps.example.net", /Slipway's own app URLs/],
    ["demo.apps.example.net", /Slipway's own app URLs/],
    ["DEMO.Apps.Example.Net.", /Slipway's own app URLs/],
  ])("refuses %j", (raw, message) => {
    const result = check(raw);
    expect(result).toHaveProperty("error");
    expect((result as { error: string }).error).toMatch(message);
  });

  it("shows international names as people write them", () => {
    expect(displayHostname("xn--bcher-kva.example")).toBe("bücher.example");
    expect(displayHostname("shop.example.com")).toBe("shop.example.com");
  });
});
