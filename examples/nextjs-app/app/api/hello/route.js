// A route handler: GET /api/hello answers JSON, computed per request.
export const dynamic = "force-dynamic";

export function GET(request) {
  const url = new URL(request.url);
  return Response.json({ hello: url.searchParams.get("name") ?? "world", at: new Date().toISOString() });
}
