import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { getDatamodel } from '../../src/generated/pothos-types.ts';

/**
 * What schema.prisma says the database must contain, in the shape the catalog queries in
 * `catalog.ts` return, so a test can compare the two with one `toEqual`.
 *
 * Sources, all produced by `prisma generate` from schema.prisma:
 * - the Prisma client's `runtimeDataModel` (src/generated/prisma/internal/class.ts): table and
 *   column names (`@@map`, `@map`);
 * - plugin-prisma's `getDatamodel()` (src/generated/pothos-types.ts): nullability, ids,
 *   uniques and relation fields;
 * - the client's `inlineSchema`, a copy of schema.prisma, for what no generated model carries:
 *   `@db.*` native types, `@@index`, enums (values and `@@map`) and `onDelete`/`onUpdate`.
 * `generatedSchemaText()` lets a test prove the generated client is not stale.
 */

const ROOT = new URL('../../', import.meta.url);
export const SCHEMA_PATH = fileURLToPath(new URL('prisma/schema.prisma', ROOT));
const CLASS_PATH = fileURLToPath(new URL('src/generated/prisma/internal/class.ts', ROOT));

export interface ColumnShape { table: string; column: string; type: string; nullable: boolean; precision: number | null }
export interface IndexShape { table: string; name: string; kind: 'primary' | 'unique' | 'index'; columns: string[] }
export interface ForeignKeyShape { table: string; name: string; columns: string[]; references: string; referencedColumns: string[]; onDelete: string; onUpdate: string }
export interface EnumShape { name: string; values: string[] }
export interface SchemaShape { columns: ColumnShape[]; indexes: IndexShape[]; foreignKeys: ForeignKeyShape[]; enums: EnumShape[] }

interface RuntimeField { name: string; kind: string; type: string; dbName?: string }
interface RuntimeModel { dbName: string | null; fields: RuntimeField[] }

/** Prisma's default Postgres type for each scalar (psl `ScalarType` → default native type). */
const DEFAULT_TYPES: Record<string, { type: string; precision: number | null }> = {
  String: { type: 'text', precision: null },
  Int: { type: 'int4', precision: null },
  BigInt: { type: 'int8', precision: null },
  Boolean: { type: 'bool', precision: null },
  DateTime: { type: 'timestamp', precision: 3 },
  Float: { type: 'float8', precision: null },
  Decimal: { type: 'numeric', precision: null },
  Json: { type: 'jsonb', precision: null },
  Bytes: { type: 'bytea', precision: null },
};

/** `@db.X` → the udt_name Postgres reports. Unknown ones throw, so the test never passes by accident. */
const NATIVE_TYPES: Record<string, string> = {
  Uuid: 'uuid', Text: 'text', VarChar: 'varchar', Char: 'bpchar', Timestamptz: 'timestamptz',
  Timestamp: 'timestamp', Date: 'date', Integer: 'int4', SmallInt: 'int2', BigInt: 'int8',
  Boolean: 'bool', DoublePrecision: 'float8', Real: 'float4', Decimal: 'numeric', JsonB: 'jsonb',
  Json: 'json', ByteA: 'bytea', Inet: 'inet',
};

const REFERENTIAL_ACTIONS: Record<string, string> = {
  Cascade: 'CASCADE', Restrict: 'RESTRICT', NoAction: 'NO ACTION', SetNull: 'SET NULL', SetDefault: 'SET DEFAULT',
};

/** The schema text the client was generated from. */
export function generatedSchemaText(): string {
  return JSON.parse(matchOrThrow(readFileSync(CLASS_PATH, 'utf8'), /"inlineSchema": ("(?:[^"\\]|\\.)*")/, 'inlineSchema'));
}

function runtimeModels(): Record<string, RuntimeModel> {
  const literal = matchOrThrow(readFileSync(CLASS_PATH, 'utf8'), /config\.runtimeDataModel = JSON\.parse\(("(?:[^"\\]|\\.)*")\)/, 'runtimeDataModel');
  return JSON.parse(JSON.parse(literal)).models;
}

function matchOrThrow(text: string, pattern: RegExp, what: string): string {
  const match = pattern.exec(text);
  if (!match?.[1]) throw new Error(`Cannot find ${what} in ${CLASS_PATH}: did the Prisma generator's output format change?`);
  return match[1];
}

/** `model X { … }` / `enum X { … }` bodies of the schema text, comments removed. */
function blocks(schema: string, keyword: 'model' | 'enum'): Map<string, string[]> {
  const result = new Map<string, string[]>();
  for (const match of schema.matchAll(new RegExp(`^${keyword}\\s+(\\w+)\\s*\\{([\\s\\S]*?)^\\}`, 'gm'))) {
    const lines = match[2]!.split('\n').map((line) => line.replace(/\/\/.*$/, '').trim()).filter(Boolean);
    result.set(match[1]!, lines);
  }
  return result;
}

function fieldLine(lines: string[], field: string): string {
  const line = lines.find((l) => l.split(/\s+/)[0] === field);
  if (!line) throw new Error(`Field ${field} not found in the schema text`);
  return line;
}

/** Builds the expected database shape from the generated client (see the module comment). */
export function expectedSchema(): SchemaShape {
  const schema = generatedSchemaText();
  const runtime = runtimeModels();
  const pothos = getDatamodel().datamodel.models;
  const modelLines = blocks(schema, 'model');
  const tableOf = (model: string) => runtime[model]!.dbName ?? model;
  const columnOf = (model: string, field: string) => {
    const found = runtime[model]!.fields.find((f) => f.name === field);
    if (!found) throw new Error(`Field ${model}.${field} missing from runtimeDataModel`);
    return found.dbName ?? field;
  };
  const enumNames = enumDbNames(schema);
  const shape: SchemaShape = { columns: [], indexes: [], foreignKeys: [], enums: expectedEnums(schema) };

  for (const [model, { fields, primaryKey, uniqueIndexes }] of Object.entries(pothos)) {
    const table = tableOf(model);
    const lines = modelLines.get(model) ?? [];
    const cols = (names: readonly string[]) => names.map((f) => columnOf(model, f));
    for (const field of fields) {
      if (field.kind === 'object') {
        if (field.relationFromFields?.length) {
          shape.foreignKeys.push(foreignKey(model, field, lines, cols, tableOf, (m) => idFields(pothos[m]!), columnOf));
        }
        continue;
      }
      const type = field.kind === 'enum'
        ? { type: enumNames.get(field.type) ?? field.type, precision: null }
        : columnType(field.type, fieldLine(lines, field.name));
      // Scalar lists are Postgres arrays (`_text` in the catalog), and Prisma leaves them nullable.
      const listed = field.isList ? { type: `_${type.type}`, precision: type.precision } : type;
      shape.columns.push({ table, column: columnOf(model, field.name), ...listed, nullable: field.isList || !field.isRequired });
      if (field.isUnique) shape.indexes.push(index(table, 'unique', cols([field.name])));
    }
    shape.indexes.push(index(table, 'primary', cols(primaryKey?.fields ?? idFields(pothos[model]!))));
    for (const unique of uniqueIndexes) shape.indexes.push(index(table, 'unique', cols(unique.fields)));
    for (const fieldsOfIndex of plainIndexes(lines)) shape.indexes.push(index(table, 'index', cols(fieldsOfIndex)));
  }
  return shape;
}

function idFields(model: { fields: readonly { name: string; isId: boolean }[]; primaryKey: { fields: readonly string[] } | null }): string[] {
  return model.primaryKey ? [...model.primaryKey.fields] : model.fields.filter((f) => f.isId).map((f) => f.name);
}

/** Prisma's default constraint names (psl `ConstraintNames`): `<table>_pkey`, `<table>_<cols>_key|_idx`. */
function index(table: string, kind: IndexShape['kind'], columns: string[]): IndexShape {
  const name = kind === 'primary' ? `${table}_pkey` : `${table}_${columns.join('_')}_${kind === 'unique' ? 'key' : 'idx'}`;
  return { table, name, kind, columns };
}

function columnType(prismaType: string, line: string): { type: string; precision: number | null } {
  const native = /@db\.(\w+)(?:\(([^)]*)\))?/.exec(line);
  if (!native) {
    const fallback = DEFAULT_TYPES[prismaType];
    if (!fallback) throw new Error(`No default Postgres type known for Prisma type ${prismaType}`);
    return fallback;
  }
  const type = NATIVE_TYPES[native[1]!];
  if (!type) throw new Error(`Unknown native type @db.${native[1]}: add it to NATIVE_TYPES`);
  const isTime = type === 'timestamptz' || type === 'timestamp';
  return { type, precision: isTime ? Number(native[2] ?? 6) : null };
}

function plainIndexes(lines: string[]): string[][] {
  return lines
    .map((line) => /^@@index\(\s*\[([^\]]*)\]/.exec(line))
    .filter((m): m is RegExpExecArray => m !== null)
    .map((m) => m[1]!.split(',').map((f) => f.trim().replace(/\(.*$/, '')));
}

function foreignKey(
  model: string,
  field: { name: string; type: string; isRequired: boolean; relationFromFields?: readonly string[] },
  lines: string[],
  cols: (names: readonly string[]) => string[],
  tableOf: (model: string) => string,
  idsOf: (model: string) => string[],
  columnOf: (model: string, field: string) => string,
): ForeignKeyShape {
  const line = fieldLine(lines, field.name);
  const action = (key: string, fallback: string) => {
    const value = new RegExp(`${key}:\\s*(\\w+)`).exec(line)?.[1];
    return value ? REFERENTIAL_ACTIONS[value]! : fallback;
  };
  const referencedFields = /references:\s*\[([^\]]*)\]/.exec(line)?.[1]?.split(',').map((f) => f.trim()) ?? idsOf(field.type);
  const table = tableOf(model);
  const columns = cols(field.relationFromFields!);
  return {
    table,
    name: `${table}_${columns.join('_')}_fkey`,
    columns,
    references: tableOf(field.type),
    referencedColumns: referencedFields.map((f) => columnOf(field.type, f)),
    // Prisma's defaults: Restrict for required relations, SetNull for optional; Cascade on update.
    onDelete: action('onDelete', field.isRequired ? 'RESTRICT' : 'SET NULL'),
    onUpdate: action('onUpdate', 'CASCADE'),
  };
}

function enumDbNames(schema: string): Map<string, string> {
  const names = new Map<string, string>();
  for (const [name, lines] of blocks(schema, 'enum')) {
    const mapped = lines.map((l) => /^@@map\("([^"]+)"\)/.exec(l)?.[1]).find(Boolean);
    names.set(name, mapped ?? name);
  }
  return names;
}

function expectedEnums(schema: string): EnumShape[] {
  const names = enumDbNames(schema);
  return [...blocks(schema, 'enum')].map(([name, lines]) => ({
    name: names.get(name)!,
    values: lines.filter((l) => !l.startsWith('@@')).map((l) => /@map\("([^"]+)"\)/.exec(l)?.[1] ?? l.split(/\s+/)[0]!),
  }));
}
