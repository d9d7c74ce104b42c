import { withPg } from "@/lib/db/with-pg";

// A sorted description of schema `public` (minus Prisma's bookkeeping table), for
// comparing two databases. Column position is left out on purpose: a migration
// that adds a column appends it, while a from-scratch schema puts it in model order.
// NOT NULL constraints (Postgres 18 lists them) are left to columns.not_null, since
// their generated names survive a column rename. Rows sort on `name` columns,
// which always collate bytewise, so the order does not depend on the locale.
const QUERIES = {
  tables: `SELECT c.relname AS table FROM pg_class c
    WHERE c.relnamespace = 'public'::regnamespace AND c.relkind IN ('r', 'p') AND c.relname <> '_prisma_migrations'
    ORDER BY 1`,
  columns: `SELECT c.relname AS table, a.attname AS column, format_type(a.atttypid, a.atttypmod) AS type,
      a.attnotnull AS not_null, pg_get_expr(d.adbin, d.adrelid) AS default, a.attidentity AS identity
    FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid
    LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
    WHERE c.relnamespace = 'public'::regnamespace AND c.relkind IN ('r', 'p') AND c.relname <> '_prisma_migrations'
      AND a.attnum > 0 AND NOT a.attisdropped
    ORDER BY 1, 2`,
  indexes: `SELECT t.relname AS table, i.relname AS index, pg_get_indexdef(i.oid) AS definition
    FROM pg_index x JOIN pg_class i ON i.oid = x.indexrelid JOIN pg_class t ON t.oid = x.indrelid
    WHERE t.relnamespace = 'public'::regnamespace AND t.relname <> '_prisma_migrations'
    ORDER BY 1, 2`,
  constraints: `SELECT t.relname AS table, k.conname AS constraint, pg_get_constraintdef(k.oid) AS definition
    FROM pg_constraint k JOIN pg_class t ON t.oid = k.conrelid
    WHERE t.relnamespace = 'public'::regnamespace AND t.relname <> '_prisma_migrations' AND k.contype <> 'n'
    ORDER BY 1, 2`,
  enums: `SELECT t.typname AS enum, array_agg(e.enumlabel::text ORDER BY e.enumsortorder) AS labels
    FROM pg_type t JOIN pg_enum e ON e.enumtypid = t.oid
    WHERE t.typnamespace = 'public'::regnamespace
    GROUP BY t.typname ORDER BY t.typname`,
};

export type SchemaSnapshot = Record<keyof typeof QUERIES, Record<string, unknown>[]>;

export function schemaSnapshot(databaseUrl: string): Promise<SchemaSnapshot> {
  return withPg(databaseUrl, async (client) => {
    const snapshot = {} as SchemaSnapshot;
    for (const [key, sql] of Object.entries(QUERIES)) {
      snapshot[key as keyof SchemaSnapshot] = (await client.query(sql)).rows;
    }
    return snapshot;
  });
}
