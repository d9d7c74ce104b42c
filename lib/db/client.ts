import { PrismaPg } from "@prisma/adapter-pg";
import { PrismaClient } from "@/lib/generated/prisma/client";

export type Db = PrismaClient;
export type Tx = Parameters<Parameters<PrismaClient["$transaction"]>[0]>[0];

export function createDb(databaseUrl: string): Db {
  return new PrismaClient({ adapter: new PrismaPg({ connectionString: databaseUrl }) });
}

const holder = globalThis as unknown as { slipwayDb?: Db };

// One client per process, from DATABASE_URL (the supervisor always sets it).
export function db(): Db {
  if (!holder.slipwayDb) {
    const url = process.env.DATABASE_URL;
    if (!url) throw new Error("DATABASE_URL is not set; start Slipway with `npm start`.");
    holder.slipwayDb = createDb(url);
  }
  return holder.slipwayDb;
}
