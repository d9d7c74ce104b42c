import { checkDatabase } from "@/lib/platform/check-database";

export const dynamic = "force-dynamic";

export async function GET() {
  const database = await checkDatabase();
  return Response.json({ ok: database, database: database ? "up" : "down" }, { status: database ? 200 : 503 });
}
