import { removeUploadedCertificate, uploadCertificate } from "@/lib/certificates/upload-certificate";
import { authedRoute, readJson } from "@/lib/http/route";

// An operator's own certificate and key for a verified domain (PEM), instead of the ACME CA's; DELETE goes back to ACME.
export const PUT = authedRoute<{ id: string }>(async ({ req, ctx, params }) => uploadCertificate({ ctx, id: params.id, input: await readJson(req) }));
export const DELETE = authedRoute<{ id: string }>(({ ctx, params }) => removeUploadedCertificate({ ctx, id: params.id }));
