import { describe, expect, it } from "vitest";
import { assertLocalDatabase } from "@/lib/testing/assert-local-database";

describe("assertLocalDatabase", () => {
  it.each([
    "postgresql://u:p@localhost:5432/db",
    "postgres://u:p@127.0.0.1/db",
    "postgresql://u:p@[::1]:5432/db",
    "postgresql:///db?host=/var/run/postgresql",
  ])("allows %s", (url) => {
    expect(() => assertLocalDatabase(url)).not.toThrow();
  });

  it.each([
    ["postgresql://u:p@db.example.com:5432/prod", "db.example.com"],
    ["postgresql://u:p@10.0.0.5/db", "10.0.0.5"],
    ["postgresql://u:p@localhost/db?host=prod.example.com", "prod.example.com"],
  ])("refuses %s, naming the host", (url, host) => {
    expect(() => assertLocalDatabase(url)).toThrow(`on host "${host}"`);
  });

  it("refuses something that is not a URL", () => {
    expect(() => assertLocalDatabase("not a url")).toThrow(/not a valid URL/);
  });
});
