import type { SqlSession } from '../../src/db/client.ts';
import type { ColumnShape, EnumShape, ForeignKeyShape, IndexShape, SchemaShape } from './schema-model.ts';

/**
 * Reads the actual shape of the current schema from Postgres' catalogs, in the same form as
 * `expectedSchema()`. Prisma's own bookkeeping table is left out.
 */
export async function readSchemaShape(db: SqlSession): Promise<SchemaShape> {
  const [columns, indexes, foreignKeys, enums] = await Promise.all([
    readColumns(db),
    readIndexes(db),
    readForeignKeys(db),
    readEnums(db),
  ]);
  return { columns, indexes, foreignKeys, enums };
}

const BOOKKEEPING = "'_prisma_migrations'";
const splitList = (list: string) => list.split(',');

async function readColumns(db: SqlSession): Promise<ColumnShape[]> {
  const rows = await db.query<{ table_name: string; column_name: string; udt_name: string; is_nullable: string; datetime_precision: number | null }>(
    `SELECT table_name, column_name, udt_name, is_nullable, datetime_precision
       FROM information_schema.columns
      WHERE table_schema = current_schema() AND table_name <> ${BOOKKEEPING}`,
  );
  return rows.map((r) => ({
    table: r.table_name,
    column: r.column_name,
    type: r.udt_name,
    nullable: r.is_nullable === 'YES',
    precision: r.udt_name.startsWith('timestamp') ? Number(r.datetime_precision) : null,
  }));
}

async function readIndexes(db: SqlSession): Promise<IndexShape[]> {
  const rows = await db.query<{ table_name: string; index_name: string; is_primary: boolean; is_unique: boolean; columns: string }>(
    `SELECT t.relname AS table_name, i.relname AS index_name, ix.indisprimary AS is_primary, ix.indisunique AS is_unique,
            (SELECT string_agg(a.attname, ',' ORDER BY k.ord)
               FROM unnest(ix.indkey) WITH ORDINALITY AS k(attnum, ord)
               JOIN pg_attribute a ON a.attrelid = t.oid AND a.attnum = k.attnum) AS columns
       FROM pg_index ix
       JOIN pg_class i ON i.oid = ix.indexrelid
       JOIN pg_class t ON t.oid = ix.indrelid
       JOIN pg_namespace n ON n.oid = t.relnamespace
      WHERE n.nspname = current_schema() AND t.relname <> ${BOOKKEEPING}`,
  );
  return rows.map((r) => ({
    table: r.table_name,
    name: r.index_name,
    kind: r.is_primary ? 'primary' : r.is_unique ? 'unique' : 'index',
    columns: splitList(r.columns),
  }));
}

const ACTIONS: Record<string, string> = { a: 'NO ACTION', r: 'RESTRICT', c: 'CASCADE', n: 'SET NULL', d: 'SET DEFAULT' };

async function readForeignKeys(db: SqlSession): Promise<ForeignKeyShape[]> {
  const rows = await db.query<{ table_name: string; name: string; columns: string; references: string; referenced_columns: string; on_delete: string; on_update: string }>(
    `SELECT t.relname AS table_name, c.conname AS name, r.relname AS references,
            c.confdeltype AS on_delete, c.confupdtype AS on_update,
            (SELECT string_agg(a.attname, ',' ORDER BY k.ord) FROM unnest(c.conkey) WITH ORDINALITY AS k(attnum, ord)
               JOIN pg_attribute a ON a.attrelid = t.oid AND a.attnum = k.attnum) AS columns,
            (SELECT string_agg(a.attname, ',' ORDER BY k.ord) FROM unnest(c.confkey) WITH ORDINALITY AS k(attnum, ord)
               JOIN pg_attribute a ON a.attrelid = r.oid AND a.attnum = k.attnum) AS referenced_columns
       FROM pg_constraint c
       JOIN pg_class t ON t.oid = c.conrelid
       JOIN pg_class r ON r.oid = c.confrelid
       JOIN pg_namespace n ON n.oid = t.relnamespace
      WHERE c.contype = 'f' AND n.nspname = current_schema()`,
  );
  return rows.map((r) => ({
    table: r.table_name,
    name: r.name,
    columns: splitList(r.columns),
    references: r.references,
    referencedColumns: splitList(r.referenced_columns),
    onDelete: ACTIONS[r.on_delete] ?? r.on_delete,
    onUpdate: ACTIONS[r.on_update] ?? r.on_update,
  }));
}

async function readEnums(db: SqlSession): Promise<EnumShape[]> {
  const rows = await db.query<{ name: string; labels: string }>(
    `SELECT t.typname AS name, string_agg(e.enumlabel, ',' ORDER BY e.enumsortorder) AS labels
       FROM pg_type t
       JOIN pg_enum e ON e.enumtypid = t.oid
       JOIN pg_namespace n ON n.oid = t.typnamespace
      WHERE n.nspname = current_schema()
      GROUP BY t.typname`,
  );
  return rows.map((r) => ({ name: r.name, values: splitList(r.labels) }));
}
