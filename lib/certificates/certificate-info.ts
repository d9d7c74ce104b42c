import { createPrivateKey, X509Certificate } from "node:crypto";
import { sealedKeyId } from "@/lib/secrets/seal";

export type CertificateInfo = { names: string[]; issuer: string; notBefore: Date; notAfter: Date; fingerprint: string };

export class CertificateError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "CertificateError";
  }
}

const PEM_BLOCK = /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g;

// What a PEM chain says about its leaf (the first certificate): the names it
// covers, who issued it, its validity. With `keyPem`, also that the key is the
// leaf's, and with `hostname` that the leaf covers it; a chain that fails any
// check is refused with a sentence saying which.
export function readCertificate(chainPem: string, opts: { keyPem?: string; hostname?: string } = {}): CertificateInfo {
  const blocks = chainPem.match(PEM_BLOCK);
  if (!blocks) throw new CertificateError("That is not a PEM certificate: it has no BEGIN CERTIFICATE block.");
  let leaf: X509Certificate;
  try {
    leaf = new X509Certificate(blocks[0]);
  } catch (e) {
    throw new CertificateError(`The certificate cannot be read: ${(e as Error).message}.`);
  }
  if (opts.keyPem !== undefined) {
    let matches = false;
    try {
      matches = leaf.checkPrivateKey(createPrivateKey(opts.keyPem));
    } catch (e) {
      throw new CertificateError(`The private key cannot be read: ${(e as Error).message}.`);
    }
    if (!matches) throw new CertificateError("The private key is not the certificate's: they do not match.");
  }
  // Each certificate of the chain must be signed by the next one (leaf first, as servers send them).
  for (let i = 0; i + 1 < blocks.length; i++) {
    let [child, parent]: X509Certificate[] = [];
    try {
      [child, parent] = [new X509Certificate(blocks[i]), new X509Certificate(blocks[i + 1])];
    } catch (e) {
      throw new CertificateError(`Certificate ${i + 2} of the chain cannot be read: ${(e as Error).message}.`);
    }
    if (!child.checkIssued(parent) || !child.verify(parent.publicKey)) {
      throw new CertificateError(`The chain is out of order or broken: certificate ${i + 1} (${child.subject.replace(/\n/g, ", ")}) is not signed by certificate ${i + 2} (${parent.subject.replace(/\n/g, ", ")}). Put the domain's certificate first, then each issuer.`);
    }
  }
  const names = (leaf.subjectAltName ?? "")
    .split(", ")
    .filter((n) => n.startsWith("DNS:"))
    .map((n) => n.slice(4).toLowerCase());
  // A wildcard name is covered when any one-label name under it is.
  const probe = opts.hostname?.startsWith("*.") ? `covered-name${opts.hostname.slice(1)}` : opts.hostname;
  if (opts.hostname !== undefined && !leaf.checkHost(probe!)) {
    throw new CertificateError(`The certificate does not cover ${opts.hostname}: it is for ${names.join(", ") || "no host name"}.`);
  }
  return {
    names,
    issuer: issuerName(leaf.issuer),
    notBefore: new Date(leaf.validFrom),
    notAfter: new Date(leaf.validTo),
    fingerprint: leaf.fingerprint256,
  };
}

// When an issued certificate is renewed: at two thirds of its lifetime (Let's
// Encrypt's advice; a 90-day one at day 60, leaving 30 days for retries).
export const renewalTime = (info: { notBefore: Date; notAfter: Date }) =>
  new Date(info.notBefore.getTime() + ((info.notAfter.getTime() - info.notBefore.getTime()) * 2) / 3);

// "Let's Encrypt (R11)" from "C=US\nO=Let's Encrypt\nCN=R11": the organisation, and the CA's own name.
function issuerName(dn: string): string {
  const field = (key: string) => dn.split("\n").find((l) => l.startsWith(`${key}=`))?.slice(key.length + 1);
  const [o, cn] = [field("O"), field("CN")];
  if (o && cn) return `${o} (${cn})`;
  return o ?? cn ?? dn.replace(/\n/g, ", ");
}

// The columns of an issued certificate (ordered or uploaded): its chain, its key sealed, what it says of itself.
export function issuedColumns(chainPem: string, keyEnc: string, info: CertificateInfo, issuedAt: Date) {
  return {
    state: "issued" as const,
    certPem: chainPem,
    keyEnc,
    keyId: sealedKeyId(keyEnc)!,
    issuer: info.issuer,
    names: info.names,
    notBefore: info.notBefore,
    notAfter: info.notAfter,
    issuedAt,
    lastError: null,
    attempts: 0,
  };
}
