// Address ranges that are not the public internet: "this" network, private,
// shared (CGNAT), loopback, link-local, IETF protocol assignments, benchmark,
// multicast and reserved (RFC 6890), and IPv6's unspecified, loopback,
// IPv4-mapped, unique-local, link-local and multicast. What user code may not
// reach from the sandbox (lib/sandbox/egress-rules.ts) and where a log drain
// may not send (lib/drains/drain-address.ts): one list for both.
export const NON_PUBLIC_V4 = [
  "0.0.0.0/8",
  "10.0.0.0/8",
  "100.64.0.0/10",
  "127.0.0.0/8",
  "169.254.0.0/16",
  "172.16.0.0/12",
  "192.0.0.0/24",
  "192.168.0.0/16",
  "198.18.0.0/15",
  "224.0.0.0/3",
] as const;

export const NON_PUBLIC_V6 = ["::/128", "::1/128", "::ffff:0:0/96", "fc00::/7", "fe80::/10", "ff00::/8"] as const;
