import { NestedStack, type Stack } from 'aws-cdk-lib';
import type { CfnResource } from './deployed-template';

/** A nested stack's template, by the logical id of its `AWS::CloudFormation::Stack` resource in the parent. */
export interface NestedTemplate {
  readonly logicalId: string;
  readonly template: { readonly Resources?: Readonly<Record<string, CfnResource>>; readonly Outputs?: Readonly<Record<string, { Value?: unknown }>> };
}

/**
 * The nested stacks of a synthesized stack (the agents after the tenth, `AgentStack<Id>`), each template read
 * by `read` (the cloud assembly's file, or `Template.fromStack`).
 */
export function nestedTemplatesOf(stack: Stack, read: (nested: NestedStack) => NestedTemplate['template']): NestedTemplate[] {
  return stack.node
    .findAll()
    .filter((c): c is NestedStack => NestedStack.isNestedStack(c) && c.nestedStackParent === stack)
    .map((nested) => ({ logicalId: String(stack.resolve(nested.nestedStackResource!.logicalId)), template: read(nested) }));
}

/**
 * The resources of a stack and its nested stacks as one map, the way the sandbox deploys them: each nested
 * resource under `<nested stack's logical id><its own logical id>`, its `Ref`s of the nested template's
 * parameters replaced by the values the parent passes (`Parameters` of the `AWS::CloudFormation::Stack`),
 * its references to its own resources renamed, and the parent's `Fn::GetAtt [<nested>, Outputs.<name>]`
 * replaced by that output's value. CloudFormation resolves parameters and outputs the same way, at deploy
 * time; the nested stack resources themselves are not kept (the sandbox deploys what they contain).
 *
 * @see https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/aws-resource-cloudformation-stack.html
 */
export function inlineNestedStacks(resources: Readonly<Record<string, CfnResource>>, nested: readonly NestedTemplate[]): Record<string, CfnResource> {
  if (nested.length === 0) return { ...resources };
  const outputs = new Map<string, unknown>();
  const inlined: Record<string, CfnResource> = {};
  for (const { logicalId, template } of nested) {
    const parent = resources[logicalId];
    if (parent?.Type !== 'AWS::CloudFormation::Stack') throw new Error(`The nested stack ${logicalId} is not an AWS::CloudFormation::Stack of its parent.`);
    const parameters = (parent.Properties?.Parameters ?? {}) as Record<string, unknown>;
    const own = new Set(Object.keys(template.Resources ?? {}));
    const rename = (value: unknown): unknown => {
      if (Array.isArray(value)) return value.map(rename);
      if (value === null || typeof value !== 'object') return value;
      const record = value as Record<string, unknown>;
      const keys = Object.keys(record);
      if (keys.length === 1 && keys[0] === 'Ref' && typeof record.Ref === 'string') {
        if (Object.hasOwn(parameters, record.Ref)) return parameters[record.Ref];
        if (own.has(record.Ref)) return { Ref: `${logicalId}${record.Ref}` };
        return record;
      }
      if (keys.length === 1 && keys[0] === 'Fn::GetAtt' && Array.isArray(record['Fn::GetAtt'])) {
        const [target, attribute] = record['Fn::GetAtt'] as [string, unknown];
        if (own.has(target)) return { 'Fn::GetAtt': [`${logicalId}${target}`, rename(attribute)] };
      }
      return Object.fromEntries(keys.map((key) => [key, rename(record[key])]));
    };
    for (const [id, resource] of Object.entries(template.Resources ?? {})) {
      const dependsOn = resource.DependsOn === undefined ? undefined : [resource.DependsOn].flat().map((d) => (own.has(String(d)) ? `${logicalId}${String(d)}` : d));
      inlined[`${logicalId}${id}`] = { ...(rename(resource) as CfnResource), ...(dependsOn ? { DependsOn: dependsOn } : {}) };
    }
    for (const [name, output] of Object.entries(template.Outputs ?? {})) outputs.set(`${logicalId}.Outputs.${name}`, rename(output.Value));
  }
  const nestedIds = new Set(nested.map((n) => n.logicalId));
  const resolveOutputs = (value: unknown): unknown => {
    if (Array.isArray(value)) return value.map(resolveOutputs);
    if (value === null || typeof value !== 'object') return value;
    const record = value as Record<string, unknown>;
    const getAtt = record['Fn::GetAtt'];
    if (Object.keys(record).length === 1 && Array.isArray(getAtt) && nestedIds.has(String(getAtt[0]))) {
      const key = `${String(getAtt[0])}.${String(getAtt[1])}`;
      if (!outputs.has(key)) throw new Error(`The parent stack reads ${key}, which the nested stack does not output.`);
      return outputs.get(key);
    }
    return Object.fromEntries(Object.entries(record).map(([k, v]) => [k, resolveOutputs(v)]));
  };
  const merged: Record<string, CfnResource> = {};
  for (const [id, resource] of Object.entries(resources)) {
    if (nestedIds.has(id)) continue;
    const dependsOn = resource.DependsOn === undefined ? undefined : [resource.DependsOn].flat().filter((d) => !nestedIds.has(String(d)));
    merged[id] = { ...(resolveOutputs(resource) as CfnResource), ...(dependsOn ? { DependsOn: dependsOn } : {}) };
  }
  for (const [id, resource] of Object.entries(inlined)) {
    if (Object.hasOwn(merged, id)) throw new Error(`The nested resource ${id} has the logical id of a resource of the parent stack.`);
    merged[id] = resource;
  }
  return merged;
}
