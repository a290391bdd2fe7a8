/**
 * Checks a CloudFormation template's resources against CloudFormation's own resource schemas, as
 * shipped offline by `@aws-cdk/aws-service-spec` (db.json.gz: the CloudFormation registry schemas of
 * every resource type, loaded with loadAwsServiceSpecSync, no network): every resource type exists,
 * required properties are present, no property is unknown, values have the schema's types (down
 * through nested property types, lists, maps and tags), allowed values hold, and Ref / Fn::GetAtt /
 * Fn::Sub name a resource, parameter or pseudo parameter, and an attribute the target type has.
 * An intrinsic function stands for a value of whatever type the property needs (known at deploy time).
 */
import { loadAwsServiceSpecSync } from '@aws-cdk/aws-service-spec';

type Json = any;
type Db = ReturnType<typeof loadAwsServiceSpecSync>;
type PropertyType = Json;

const RESOURCE_KEYS = new Set(['Type', 'Properties', 'DependsOn', 'Condition', 'DeletionPolicy', 'UpdateReplacePolicy', 'Metadata', 'UpdatePolicy', 'CreationPolicy']);
const POLICIES = new Set(['Delete', 'Retain', 'Snapshot', 'RetainExceptOnCreate']);
const PSEUDO = new Set(['AWS::AccountId', 'AWS::NotificationARNs', 'AWS::NoValue', 'AWS::Partition', 'AWS::Region', 'AWS::StackId', 'AWS::StackName', 'AWS::URLSuffix']);
const INTRINSICS = new Set(['Ref', 'Fn::GetAtt', 'Fn::Sub', 'Fn::Join', 'Fn::Split', 'Fn::Select', 'Fn::If', 'Fn::ImportValue', 'Fn::FindInMap', 'Fn::Base64', 'Fn::GetAZs', 'Fn::Cidr', 'Fn::Length', 'Fn::ToJsonString']);

let cached: Db | undefined;
/** The spec database (about 5 s to load: once per test file). */
export function specDb(): Db {
  return (cached ??= loadAwsServiceSpecSync());
}

const isIntrinsic = (v: unknown): boolean => !!v && typeof v === 'object' && !Array.isArray(v) && Object.keys(v).length === 1 && INTRINSICS.has(Object.keys(v)[0]);

/** The problems of `template`'s resources, as `Resources.Id.Properties.Path: problem` lines (empty: valid). */
export function checkTemplate(template: Json, db: Db = specDb()): string[] {
  const problems: string[] = [];
  const resources: Record<string, Json> = template.Resources ?? {};
  const parameters = new Set(Object.keys(template.Parameters ?? {}));
  const typeOf = (id: string) => resources[id]?.Type as string | undefined;
  const specOf = (type: string) => db.lookup('resource', 'cloudFormationType', 'equals', type);

  /** Intrinsics: the targets of Ref / GetAtt / Sub exist (the value itself is only known at deploy time). */
  const checkIntrinsic = (v: Json, at: string): void => {
    const [[fn, arg]] = Object.entries(v) as [string, Json][];
    if (fn === 'Ref') {
      if (typeof arg !== 'string' || !(resources[arg] || parameters.has(arg) || PSEUDO.has(arg))) problems.push(`${at}: Ref to ${JSON.stringify(arg)}, which is no resource, parameter or pseudo parameter`);
    } else if (fn === 'Fn::GetAtt') {
      const [id, attr] = Array.isArray(arg) ? arg : String(arg).split(/\.(.*)/);
      const type = typeOf(id);
      if (!type) problems.push(`${at}: Fn::GetAtt of ${id}, which is no resource`);
      else {
        const spec = specOf(type);
        if (spec.length === 1 && !(attr in spec.only().attributes)) problems.push(`${at}: Fn::GetAtt ${id}.${attr}: ${type} has no attribute ${attr} (it has ${Object.keys(spec.only().attributes).join(', ')})`);
      }
    } else if (fn === 'Fn::Sub') {
      const [text, vars] = Array.isArray(arg) ? arg : [arg, {}];
      for (const m of String(text).matchAll(/\$\{(?!!)([^}]+)\}/g)) {
        const [id, attr] = m[1].split(/\.(.*)/);
        if (vars && id in vars) continue;
        if (attr === undefined) checkIntrinsic({ Ref: id }, `${at} (Fn::Sub \${${m[1]}})`);
        else checkIntrinsic({ 'Fn::GetAtt': [id, attr] }, `${at} (Fn::Sub \${${m[1]}})`);
      }
      if (vars) for (const [k, x] of Object.entries(vars)) if (isIntrinsic(x)) checkIntrinsic(x, `${at}.${k}`);
    } else if (Array.isArray(arg)) {
      arg.forEach((x, i) => isIntrinsic(x) && checkIntrinsic(x, `${at}.${fn}[${i}]`));
    }
  };

  /** Whether `v` has type `t`; problems found inside (nested properties) are pushed, a mismatch at this level is returned. */
  const check = (v: Json, t: PropertyType, at: string): string | undefined => {
    if (isIntrinsic(v)) {
      checkIntrinsic(v, at);
      return undefined;
    }
    switch (t.type) {
      case 'string':
        if (typeof v !== 'string' && typeof v !== 'number') return `must be a string, is ${JSON.stringify(v)}`;
        if (t.allowedValues && !t.allowedValues.includes(String(v))) return `${JSON.stringify(v)} is not one of ${t.allowedValues.join(', ')}`;
        return undefined;
      case 'number':
      case 'integer':
        if (typeof v === 'number' ? t.type === 'integer' && !Number.isInteger(v) : !(typeof v === 'string' && /^-?\d+(\.\d+)?$/.test(v) && (t.type === 'number' || /^-?\d+$/.test(v)))) return `must be ${t.type === 'integer' ? 'an integer' : 'a number'}, is ${JSON.stringify(v)}`;
        if (t.allowedValues && !t.allowedValues.includes(Number(v))) return `${v} is not one of ${t.allowedValues.join(', ')}`;
        return undefined;
      case 'boolean':
        return typeof v === 'boolean' || v === 'true' || v === 'false' ? undefined : `must be a boolean, is ${JSON.stringify(v)}`;
      case 'date-time':
        return typeof v === 'string' ? undefined : `must be a date-time string, is ${JSON.stringify(v)}`;
      case 'json':
        return v !== null && (typeof v === 'object' || typeof v === 'string') ? undefined : `must be a JSON object, is ${JSON.stringify(v)}`;
      case 'null':
        return v === null ? undefined : `must be null`;
      case 'tag':
        if (!v || typeof v !== 'object' || Array.isArray(v)) return `must be a tag { Key, Value }`;
        checkProperties(v, { Key: { type: { type: 'string' }, required: true }, Value: { type: { type: 'string' }, required: true } }, at);
        return undefined;
      case 'array':
        if (!Array.isArray(v)) return `must be a list, is ${JSON.stringify(v)}`;
        v.forEach((x, i) => report(check(x, t.element, `${at}[${i}]`), `${at}[${i}]`));
        return undefined;
      case 'map':
        if (!v || typeof v !== 'object' || Array.isArray(v)) return `must be a map, is ${JSON.stringify(v)}`;
        for (const [k, x] of Object.entries(v)) report(check(x, t.element, `${at}.${k}`), `${at}.${k}`);
        return undefined;
      case 'ref': {
        const def = db.get('typeDefinition', t.reference.$ref);
        if (!v || typeof v !== 'object' || Array.isArray(v)) return `must be a ${def.name} object, is ${JSON.stringify(v)}`;
        checkProperties(v, def.properties, at);
        return undefined;
      }
      case 'union': {
        // The first member whose shape fits (object, list or scalar) decides, nested problems included.
        const shape = (x: PropertyType): string => (x.type === 'ref' || x.type === 'map' || x.type === 'json' || x.type === 'tag' ? 'object' : x.type === 'array' ? 'array' : 'scalar');
        const mine = Array.isArray(v) ? 'array' : v && typeof v === 'object' ? 'object' : 'scalar';
        const candidates = t.types.filter((x: PropertyType) => shape(x) === mine);
        const results = candidates.map((x: PropertyType) => {
          const before = problems.length;
          const r = check(v, x, at);
          const nested = problems.splice(before);
          return { r, nested };
        });
        const ok = results.find((x: { r?: string; nested: string[] }) => !x.r && x.nested.length === 0);
        if (ok) return undefined;
        if (results.length === 0) return `must be one of ${t.types.map((x: PropertyType) => x.type).join(', ')}, is ${JSON.stringify(v)}`;
        problems.push(...results[0].nested);
        return results[0].r;
      }
      default:
        return `unknown schema type ${JSON.stringify(t)}`;
    }
  };
  const report = (problem: string | undefined, at: string) => problem && problems.push(`${at}: ${problem}`);

  const checkProperties = (v: Json, props: Record<string, Json>, at: string): void => {
    for (const [name, p] of Object.entries(props)) if (p.required && !(name in v)) problems.push(`${at}: required property ${name} missing`);
    for (const [name, x] of Object.entries<Json>(v)) {
      const p = props[name];
      if (!p) problems.push(`${at}.${name}: unknown property (known: ${Object.keys(props).join(', ')})`);
      else report(check(x, p.type, `${at}.${name}`), `${at}.${name}`);
    }
  };

  for (const [id, r] of Object.entries(resources)) {
    const at = `Resources.${id}`;
    for (const k of Object.keys(r)) if (!RESOURCE_KEYS.has(k)) problems.push(`${at}: unknown resource attribute ${k}`);
    for (const k of ['DeletionPolicy', 'UpdateReplacePolicy']) if (k in r && !POLICIES.has(r[k])) problems.push(`${at}.${k}: ${JSON.stringify(r[k])} is not one of ${[...POLICIES].join(', ')}`);
    for (const d of [r.DependsOn ?? []].flat()) if (!resources[d]) problems.push(`${at}.DependsOn: ${d} is no resource`);
    const spec = specOf(r.Type);
    if (spec.length !== 1) {
      problems.push(`${at}: unknown resource type ${r.Type}`);
      continue;
    }
    checkProperties(r.Properties ?? {}, spec.only().properties, `${at}.Properties`);
  }
  for (const [id, o] of Object.entries<Json>(template.Outputs ?? {})) if (isIntrinsic(o.Value)) checkIntrinsic(o.Value, `Outputs.${id}.Value`);
  return problems;
}
