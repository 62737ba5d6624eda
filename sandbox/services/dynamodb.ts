import { join } from 'node:path';
import { type AttributeValue } from '@aws-sdk/client-dynamodb';
import { marshall, unmarshall } from '@aws-sdk/util-dynamodb';
import type { AwsCall } from '../http/aws-call';
import { AwsError } from '../http/aws-error';
import type { Authorizer } from '../iam/authorizer';
import { JournaledRecords } from '../store/json-file';
import { type SynthesizedStack, arnOf, prop, resourcesOfType } from '../template/deployed-template';
import { ExpressionError, type Item, type Names, type Values, applyUpdate, evaluateCondition, project, projectedAttributes, updatedAttributes } from './dynamodb-expressions';
import { type JsonOperation, type ServiceEmulation, handleJson, requiredString } from './service';

type Marshalled = Record<string, AttributeValue>;

interface KeySchema {
  readonly hash: string;
  readonly range?: string;
}

interface IndexDefinition {
  readonly name: string;
  readonly key: KeySchema;
  /** Non-key attributes the index keeps; undefined: all. */
  readonly include?: readonly string[];
}

export interface TableDefinition {
  readonly name: string;
  readonly arn: string;
  readonly key: KeySchema;
  readonly indexes: readonly IndexDefinition[];
}

function keySchemaOf(raw: unknown): KeySchema {
  const elements = raw as Array<{ AttributeName: string; KeyType: 'HASH' | 'RANGE' }>;
  const hash = elements.find((e) => e.KeyType === 'HASH')?.AttributeName;
  if (!hash) throw new Error('table without a partition key');
  const range = elements.find((e) => e.KeyType === 'RANGE')?.AttributeName;
  return { hash, ...(range ? { range } : {}) };
}

/** The tables a synthesized stack defines, with their keys and index projections. */
export function tablesOf(stack: SynthesizedStack): TableDefinition[] {
  return resourcesOfType(stack, 'AWS::DynamoDB::Table').map(([id, resource]) => {
    const indexes = ((prop(resource, 'GlobalSecondaryIndexes') as Array<Record<string, unknown>> | undefined) ?? []).map((index) => {
      const projection = index.Projection as { ProjectionType?: string; NonKeyAttributes?: string[] } | undefined;
      return {
        name: String(index.IndexName),
        key: keySchemaOf(index.KeySchema),
        ...(projection?.ProjectionType === 'ALL' ? {} : { include: projection?.NonKeyAttributes ?? [] }),
      };
    });
    return { name: String(prop(resource, 'TableName') ?? `${stack.name}-${id}`), arn: arnOf(stack, id, resource), key: keySchemaOf(prop(resource, 'KeySchema')), indexes };
  });
}

function expressionInput(input: Record<string, unknown>): { names: Names; values: Values } {
  return {
    names: input.ExpressionAttributeNames as Names,
    values: input.ExpressionAttributeValues ? unmarshall(input.ExpressionAttributeValues as Marshalled) : undefined,
  };
}

function asMarshalled(item: Item): Marshalled {
  return marshall(item, { removeUndefinedValues: true, convertClassInstanceToMap: true });
}

function validation<T>(run: () => T): T {
  try {
    return run();
  } catch (error) {
    if (error instanceof ExpressionError) throw new AwsError('ValidationException', error.message, 400);
    throw error;
  }
}

/**
 * DynamoDB for the tables the broker stack defines (the request table and its `byStatus` index): items,
 * conditional writes, update expressions, Query on the table or an index (with the index's projection),
 * Scan. Items are kept in `$JIT_HOME/dynamodb/<table>.json` in DynamoDB's attribute-value form.
 */
export class DynamoDbEmulation implements ServiceEmulation {
  readonly signingNames = ['dynamodb'];
  private readonly tables = new Map<string, { definition: TableDefinition; items: JournaledRecords<Marshalled> }>();

  constructor(
    definitions: readonly TableDefinition[],
    home: string,
    private readonly authorizer: Authorizer,
  ) {
    for (const definition of definitions) {
      this.tables.set(definition.name, { definition, items: new JournaledRecords<Marshalled>(join(home, 'dynamodb', `${definition.name}.json`)) });
    }
  }

  /** Every item of a table, for the sandbox's own status page and reconciliation. */
  items(tableName: string): Item[] {
    const table = this.tables.get(tableName);
    return table ? Object.values(table.items.get()).map((m) => unmarshall(m)) : [];
  }

  handle(call: AwsCall) {
    const operations: Record<string, JsonOperation> = {
      PutItem: (input) => this.putItem(input, call),
      GetItem: (input) => this.getItem(input, call),
      UpdateItem: (input) => this.updateItem(input, call),
      DeleteItem: (input) => this.deleteItem(input, call),
      Query: (input) => this.query(input, call),
      Scan: (input) => this.scan(input, call),
      DescribeTable: (input) => this.describeTable(input, call),
    };
    return handleJson(call, 'DynamoDB', '1.0', operations);
  }

  private table(input: Record<string, unknown>) {
    const name = requiredString(input, 'TableName');
    const table = this.tables.get(name.includes(':table/') ? name.slice(name.indexOf(':table/') + 7) : name);
    if (!table) throw new AwsError('ResourceNotFoundException', `Requested resource not found: Table: ${name} not found`, 400);
    return table;
  }

  private keyOf(definition: TableDefinition, item: Item): string {
    const hash = item[definition.key.hash];
    if (hash === undefined || (definition.key.range && item[definition.key.range] === undefined)) {
      throw new AwsError('ValidationException', 'The provided key element does not match the schema', 400);
    }
    return JSON.stringify(definition.key.range ? [hash, item[definition.key.range]] : [hash]);
  }

  private authorize(call: AwsCall, action: string, table: TableDefinition, attributes?: string[], index?: string) {
    this.authorizer.authorize(call, action, index ? `${table.arn}/index/${index}` : table.arn, attributes ? { request: { dynamodbAttributes: attributes } } : {});
    call.note.resources.push({ type: 'AWS::DynamoDB::Table', name: table.arn });
  }

  private check(condition: unknown, existing: Item | undefined, input: Record<string, unknown>): void {
    if (typeof condition !== 'string') return;
    const { names, values } = expressionInput(input);
    if (!validation(() => evaluateCondition(condition, existing, names, values))) {
      throw new AwsError('ConditionalCheckFailedException', 'The conditional request failed', 400);
    }
  }

  private putItem(input: Record<string, unknown>, call: AwsCall) {
    const table = this.table(input);
    this.authorize(call, 'dynamodb:PutItem', table.definition);
    const item = unmarshall(input.Item as Marshalled);
    const key = this.keyOf(table.definition, item);
    const stored = table.items.get()[key];
    const existing = stored ? unmarshall(stored) : undefined;
    this.check(input.ConditionExpression, existing, input);
    table.items.put(key, input.Item as Marshalled);
    return input.ReturnValues === 'ALL_OLD' && stored ? { Attributes: stored } : {};
  }

  private getItem(input: Record<string, unknown>, call: AwsCall) {
    const table = this.table(input);
    // A projected read names the attributes it reads (`dynamodb:Attributes`); a whole-item read names none.
    // @see https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/specifying-conditions.html
    const projection = typeof input.ProjectionExpression === 'string' ? input.ProjectionExpression : undefined;
    this.authorize(call, 'dynamodb:GetItem', table.definition, projection ? projectedAttributes(projection, input.ExpressionAttributeNames as Names) : undefined);
    const stored = table.items.get()[this.keyOf(table.definition, unmarshall(input.Key as Marshalled))];
    if (!stored) return {};
    const projected = project(unmarshall(stored), input.ProjectionExpression as string | undefined, input.ExpressionAttributeNames as Names);
    return { Item: input.ProjectionExpression ? asMarshalled(projected) : stored };
  }

  private updateItem(input: Record<string, unknown>, call: AwsCall) {
    const table = this.table(input);
    const { names, values } = expressionInput(input);
    const expression = requiredString(input, 'UpdateExpression');
    const keyItem = unmarshall(input.Key as Marshalled);
    const attributes = validation(() => updatedAttributes(expression, names));
    this.authorize(call, 'dynamodb:UpdateItem', table.definition, [...new Set([...Object.keys(keyItem), ...attributes])]);
    const key = this.keyOf(table.definition, keyItem);
    const stored = table.items.get()[key];
    const existing = stored ? unmarshall(stored) : undefined;
    this.check(input.ConditionExpression, existing, input);
    const updated = validation(() => applyUpdate(existing ?? keyItem, expression, names, values));
    const marshalled = asMarshalled(updated);
    table.items.put(key, marshalled);
    switch (input.ReturnValues) {
      case 'ALL_OLD':
        return stored ? { Attributes: stored } : {};
      case 'ALL_NEW':
        return { Attributes: marshalled };
      default:
        return {};
    }
  }

  private deleteItem(input: Record<string, unknown>, call: AwsCall) {
    const table = this.table(input);
    this.authorize(call, 'dynamodb:DeleteItem', table.definition);
    const key = this.keyOf(table.definition, unmarshall(input.Key as Marshalled));
    const stored = table.items.get()[key];
    this.check(input.ConditionExpression, stored ? unmarshall(stored) : undefined, input);
    table.items.remove(key);
    return input.ReturnValues === 'ALL_OLD' && stored ? { Attributes: stored } : {};
  }

  private rows(table: { definition: TableDefinition; items: JournaledRecords<Marshalled> }, indexName: string | undefined) {
    const definition = table.definition;
    const index = indexName ? definition.indexes.find((i) => i.name === indexName) : undefined;
    if (indexName && !index) throw new AwsError('ValidationException', `The table does not have the specified index: ${indexName}`, 400);
    const key = index?.key ?? definition.key;
    const rows = Object.values(table.items.get())
      .map((m) => unmarshall(m))
      // A sparse index holds only the items that have its keys.
      .filter((item) => item[key.hash] !== undefined && (!key.range || item[key.range] !== undefined))
      .map((item) => {
        if (!index?.include) return item;
        const kept = new Set([definition.key.hash, definition.key.range, index.key.hash, index.key.range, ...index.include].filter(Boolean) as string[]);
        return Object.fromEntries(Object.entries(item).filter(([name]) => kept.has(name)));
      });
    return { rows, key };
  }

  private page(rows: Item[], input: Record<string, unknown>, key: KeySchema, definition: TableDefinition) {
    const { names, values } = expressionInput(input);
    let start = 0;
    if (input.ExclusiveStartKey) {
      const marker = JSON.stringify(unmarshall(input.ExclusiveStartKey as Marshalled));
      start = rows.findIndex((row) => JSON.stringify(this.pageKey(row, key, definition)) === marker) + 1;
    }
    const limit = typeof input.Limit === 'number' ? input.Limit : rows.length;
    const scanned = rows.slice(start, start + limit);
    const filter = input.FilterExpression;
    const items = typeof filter === 'string' ? scanned.filter((row) => validation(() => evaluateCondition(filter, row, names, values))) : scanned;
    const last = start + limit < rows.length ? scanned[scanned.length - 1] : undefined;
    return {
      Items: items.map((row) => asMarshalled(project(row, input.ProjectionExpression as string | undefined, names))),
      Count: items.length,
      ScannedCount: scanned.length,
      ...(last ? { LastEvaluatedKey: asMarshalled(this.pageKey(last, key, definition)) } : {}),
    };
  }

  private pageKey(row: Item, key: KeySchema, definition: TableDefinition): Item {
    const names = new Set([definition.key.hash, definition.key.range, key.hash, key.range].filter(Boolean) as string[]);
    return Object.fromEntries([...names].map((name) => [name, row[name]]));
  }

  private query(input: Record<string, unknown>, call: AwsCall) {
    const table = this.table(input);
    const indexName = input.IndexName as string | undefined;
    this.authorize(call, 'dynamodb:Query', table.definition, undefined, indexName);
    const condition = requiredString(input, 'KeyConditionExpression');
    const { names, values } = expressionInput(input);
    const { rows, key } = this.rows(table, indexName);
    const matching = rows.filter((row) => validation(() => evaluateCondition(condition, row, names, values)));
    if (key.range) {
      const range = key.range;
      matching.sort((a, b) => String(a[range]).localeCompare(String(b[range])));
    }
    if (input.ScanIndexForward === false) matching.reverse();
    return this.page(matching, input, key, table.definition);
  }

  private scan(input: Record<string, unknown>, call: AwsCall) {
    const table = this.table(input);
    const indexName = input.IndexName as string | undefined;
    this.authorize(call, 'dynamodb:Scan', table.definition, undefined, indexName);
    const { rows, key } = this.rows(table, indexName);
    return this.page(rows, input, key, table.definition);
  }

  private describeTable(input: Record<string, unknown>, call: AwsCall) {
    const table = this.table(input);
    this.authorize(call, 'dynamodb:DescribeTable', table.definition);
    const d = table.definition;
    const keySchema = (k: KeySchema) => [{ AttributeName: k.hash, KeyType: 'HASH' }, ...(k.range ? [{ AttributeName: k.range, KeyType: 'RANGE' }] : [])];
    return {
      Table: {
        TableName: d.name,
        TableArn: d.arn,
        TableStatus: 'ACTIVE',
        KeySchema: keySchema(d.key),
        ItemCount: Object.keys(table.items.get()).length,
        GlobalSecondaryIndexes: d.indexes.map((i) => ({ IndexName: i.name, KeySchema: keySchema(i.key), IndexStatus: 'ACTIVE' })),
      },
    };
  }
}
