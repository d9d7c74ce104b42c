import { isIP } from "node:net";
import { domainToASCII, domainToUnicode } from "node:url";

// A custom domain as the router will see it in a Host header: lowercase ASCII
// (international names in their punycode form), DNS label rules, at least two
// labels. IP addresses, localhost and names under APPS_DOMAIN (Slipway's own
// app URLs) are refused, so a domain can never take over another project's URL.
export type HostnameCheck = { hostname: string } | { error: string };

const MAX_HOSTNAME = 253;
const LABEL = /^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/;
const EXAMPLE = "shop.example.com";

export function normalizeHostname(raw: string, appsDomain: string): HostnameCheck {
  const input = raw.trim();
  if (input === "") return { error: `Enter a host name, like ${EXAMPLE}.` };
  if (isIP(input.replace(/^\[|\]$/g, ""))) return { error: ipError };
  if (/[\s/:@%?#\\]/.test(input)) return { error: `Enter only the host name, like ${EXAMPLE}: no https://, path or port.` };
  const ascii = domainToASCII(input.replace(/\.$/, ""));
  if (ascii === "") return { error: "That is not a valid host name." };
  if (isIP(ascii)) return { error: ipError };
  if (ascii.length > MAX_HOSTNAME) return { error: `A host name is at most ${MAX_HOSTNAME} characters.` };
  const labels = ascii.split(".");
  if (labels.length < 2) return { error: `Use a full host name with at least one dot, like ${EXAMPLE}.` };
  const bad = labels.find((label) => !LABEL.test(label));
  if (bad !== undefined) {
    return { error: `Each part between dots must be 1 to 63 letters, digits or hyphens, and cannot start or end with a hyphen ("${bad}" is not).` };
  }
  if (ascii === "localhost" || ascii.endsWith(".localhost")) return { error: "Names under localhost only reach this machine; add a domain you own." };
  if (ascii === appsDomain || ascii.endsWith(`.${appsDomain}`)) {
    return { error: `Names under ${appsDomain} are Slipway's own app URLs; add a domain you own.` };
  }
  return { hostname: ascii };
}

const ipError = `An IP address cannot be a custom domain; use a host name, like ${EXAMPLE}.`;

// How a stored (punycode) host name reads to a person.
export function displayHostname(hostname: string): string {
  return domainToUnicode(hostname) || hostname;
}

// The DNS name whose TXT record proves control of `hostname`, and the value it must hold.
export const txtRecordName = (hostname: string) => `_slipway.${hostname}`;
export const txtRecordValue = (token: string) => `slipway-verify=${token}`;
