import path from "node:path";
import { describe, expect, it } from "vitest";
import { ConfigError, loadConfig } from "@/lib/config/env";

// Next's types make NODE_ENV required; loadConfig does not read it.
const load = (vars: Record<string, string> = {}) => loadConfig(vars as NodeJS.ProcessEnv);

const configError = (vars: Record<string, string>) => {
  try {
    load(vars);
  } catch (e) {
    expect(e).toBeInstanceOf(ConfigError);
    return (e as ConfigError).message;
  }
  return expect.fail("expected a ConfigError");
};

describe("loadConfig", () => {
  it("uses the default for an empty PORT= line", () => {
    expect(load({ PORT: "", ROUTER_PORT: " " })).toMatchObject({ PORT: 3000, ROUTER_PORT: 8080 });
  });

  it("runs with no settings at all", () => {
    const config = load({});
    expect(config).toMatchObject({
      PORT: 3000,
      ROUTER_PORT: 8080,
      BIND_HOST: "0.0.0.0",
      APPS_DOMAIN: "localhost",
      WORKER_CONCURRENCY: 2,
      LOG_LEVEL: "info",
      dataDir: path.resolve(".data"),
      consoleUrl: "http://localhost:3000",
    });
    expect(config.DATABASE_URL).toBeUndefined();
  });

  it("treats blank optional settings as unset", () => {
    const config = load({ DATABASE_URL: "  ", PUBLIC_URL: "" });
    expect(config.DATABASE_URL).toBeUndefined();
    expect(config.consoleUrl).toBe("http://localhost:3000");
  });

  it("reads numbers and URLs", () => {
    const config = load({ PORT: "4000", DATABASE_URL: "postgres://u:p@localhost:5432/db", PUBLIC_URL: "https://x.test" });
    expect(config).toMatchObject({ PORT: 4000, DATABASE_URL: "postgres://u:p@localhost:5432/db", consoleUrl: "https://x.test" });
  });

  it("names a bad PORT in one line", () => {
    const message = configError({ PORT: "abc" });
    expect(message).toBe('Invalid configuration: PORT must be a port number (got "abc").');
    expect(message).not.toContain("\n");
    expect(configError({ PORT: "70000" })).toMatch(/^Invalid configuration: PORT must be between 1 and 65535/);
  });

  it("refuses a DATABASE_URL that is not postgres, without echoing it", () => {
    const message = configError({ DATABASE_URL: "mysql://admin:hunter2@db.internal/app" });
    expect(message).toMatch(/^Invalid configuration: DATABASE_URL must be a postgres:\/\/ or postgresql:\/\/ URL/);
    expect(message).not.toContain("hunter2");
  });

  it("wants APPS_DOMAIN in lowercase", () => {
    expect(configError({ APPS_DOMAIN: "Apps.Example.com" })).toMatch(/APPS_DOMAIN must be a lowercase host name/);
    expect(load({ APPS_DOMAIN: "apps.example.com" }).APPS_DOMAIN).toBe("apps.example.com");
  });

  it("sends synthetic checks to this machine's router unless told otherwise", () => {
    expect(load({}).syntheticRouterUrl).toBe("http://127.0.0.1:8080");
    expect(load({ ROUTER_PORT: "9090", BIND_HOST: "10.0.0.5" }).syntheticRouterUrl).toBe("http://10.0.0.5:9090");
    expect(load({ BIND_HOST: "::" }).syntheticRouterUrl).toBe("http://[::1]:8080");
    expect(load({ SYNTHETIC_ROUTER_URL: "http://edge.internal:80" }).syntheticRouterUrl).toBe("http://edge.internal:80");
    expect(configError({ SYNTHETIC_ROUTER_URL: "ftp://edge.internal" })).toMatch(/SYNTHETIC_ROUTER_URL must be an http:\/\/ URL/);
  });

  it("never echoes secrets", () => {
    const message = configError({ NEXTAUTH_SECRET: "too-short-secret" });
    expect(message).toMatch(/NEXTAUTH_SECRET must be at least 32 characters/);
    expect(message).not.toContain("too-short-secret");
  });
});
