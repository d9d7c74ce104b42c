import tls from "node:tls";

// The certificate a TLS server on 127.0.0.1:`port` presents for an SNI name:
// its SHA-256 fingerprint, or null when the handshake fails. With `ca`, only a
// certificate that chains to it and covers the name counts (as a browser
// trusting that root would see it); without, whatever the server sends.
export function presentedFingerprint(port: number, servername: string, ca?: string): Promise<string | null> {
  return new Promise((resolve) => {
    const socket = tls.connect({ host: "127.0.0.1", port, servername, ...(ca ? { ca } : { rejectUnauthorized: false }) }, () => {
      resolve(socket.getPeerX509Certificate()?.fingerprint256 ?? null);
      socket.end();
    });
    socket.setTimeout(5000, () => socket.destroy());
    socket.on("error", () => resolve(null));
    socket.on("close", () => resolve(null));
  });
}
