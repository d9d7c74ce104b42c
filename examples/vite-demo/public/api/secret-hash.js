// A server function (Vite copies public/ into dist/, and dist/api/*.js files
// run on the server): proves API_SECRET reached the function's runtime
// variables by answering its sha256, never the value itself.
import { createHash } from "node:crypto";

export default function secretHash() {
  const secret = process.env.API_SECRET;
  if (!secret) return Response.json({ set: false });
  return Response.json({ set: true, sha256: createHash("sha256").update(secret).digest("hex") });
}
