// Folds the CloudFormation conditions that are already decided when the template is packaged.
//
// serverless.yml's params (`--param invocationLogGroup=…`, ssmKmsKeyArn, memberRoleArns, …) are
// substituted at package time, so a condition such as `!Not [!Equals ['', '']]` is a constant in
// the packaged template. Left in, the never-taken branch still has to be well-formed for every
// checker (cfn-lint reports its empty ARNs: E3510/E3031/E3033, W8003 "always true or false",
// W1028 "unreachable"). Folded, the template holds exactly what is deployed:
// - a resource or output whose condition is false is removed (and DependsOn entries naming it);
// - a true condition is dropped from its resource or output;
// - Fn::If over a decided condition becomes the branch taken; AWS::NoValue removes the property
//   or list element;
// - the decided conditions leave the Conditions section (unless an undecided one refers to them).
// A condition that depends on anything else (a Ref to a parameter or pseudo parameter) is kept.
//
// Also drops DependsOn entries that a Ref, Fn::GetAtt or Fn::Sub of the resource already enforces
// (cfn-lint W3005).
'use strict';

const NO_VALUE = Symbol('AWS::NoValue');

/** The value of condition `name`, or undefined when it cannot be decided from the template alone. */
function decide(conditions, name, seen = new Set()) {
  if (seen.has(name)) return undefined;
  seen.add(name);
  const value = (c) => {
    if (typeof c === 'string' || typeof c === 'number' || typeof c === 'boolean') return String(c);
    return undefined; // an intrinsic (Ref, Fn::Sub, …): known only at deploy time
  };
  const ev = (c) => {
    if (c === null || typeof c !== 'object') return undefined;
    if (typeof c.Condition === 'string') return decide(conditions, c.Condition, seen);
    const [[fn, args]] = Object.entries(c).length === 1 ? Object.entries(c) : [[undefined, undefined]];
    if (!Array.isArray(args)) return undefined;
    switch (fn) {
      case 'Fn::Equals': {
        const [a, b] = args.map(value);
        return a === undefined || b === undefined ? undefined : a === b;
      }
      case 'Fn::Not': {
        const v = ev(args[0]);
        return v === undefined ? undefined : !v;
      }
      case 'Fn::And': {
        const vs = args.map(ev);
        if (vs.includes(false)) return false;
        return vs.includes(undefined) ? undefined : true;
      }
      case 'Fn::Or': {
        const vs = args.map(ev);
        if (vs.includes(true)) return true;
        return vs.includes(undefined) ? undefined : false;
      }
      default:
        return undefined;
    }
  };
  return conditions[name] === undefined ? undefined : ev(conditions[name]);
}

/** Names of the conditions `node` refers to ({ Condition: X } inside condition definitions, Fn::If). */
function conditionRefs(node, out = new Set()) {
  if (Array.isArray(node)) node.forEach((n) => conditionRefs(n, out));
  else if (node && typeof node === 'object') {
    for (const [k, v] of Object.entries(node)) {
      if (k === 'Condition' && typeof v === 'string') out.add(v);
      else if (k === 'Fn::If' && Array.isArray(v) && typeof v[0] === 'string') {
        out.add(v[0]);
        conditionRefs(v.slice(1), out);
      } else conditionRefs(v, out);
    }
  }
  return out;
}

/** Logical ids `node` refers to through Ref, Fn::GetAtt and Fn::Sub. */
function references(node, out = new Set()) {
  if (Array.isArray(node)) node.forEach((n) => references(n, out));
  else if (node && typeof node === 'object') {
    for (const [k, v] of Object.entries(node)) {
      if (k === 'Ref' && typeof v === 'string') out.add(v);
      else if (k === 'Fn::GetAtt') out.add(Array.isArray(v) ? v[0] : String(v).split('.')[0]);
      else if (k === 'Fn::Sub') {
        const text = Array.isArray(v) ? v[0] : v;
        if (typeof text === 'string') for (const m of text.matchAll(/\$\{(?!!)([^}.]+)(?:\.[^}]*)?\}/g)) out.add(m[1]);
        references(Array.isArray(v) ? v[1] : undefined, out);
      } else references(v, out);
    }
  }
  return out;
}

/** Folds the decided conditions of `template` (a CloudFormation template object) in place; returns it. */
function foldStaticConditions(template) {
  const conditions = template.Conditions ?? {};
  const decided = new Map();
  for (const name of Object.keys(conditions)) {
    const v = decide(conditions, name);
    if (v !== undefined) decided.set(name, v);
  }

  const fold = (node) => {
    if (Array.isArray(node)) return node.map(fold).filter((n) => n !== NO_VALUE);
    if (!node || typeof node !== 'object') return node;
    const keys = Object.keys(node);
    if (keys.length === 1 && keys[0] === 'Fn::If' && Array.isArray(node['Fn::If']) && decided.has(node['Fn::If'][0])) {
      const [name, yes, no] = node['Fn::If'];
      const taken = decided.get(name) ? yes : no;
      // AWS::NoValue taken: the property or list element is left out.
      return taken && typeof taken === 'object' && taken.Ref === 'AWS::NoValue' ? NO_VALUE : fold(taken);
    }
    const out = {};
    for (const [k, v] of Object.entries(node)) {
      const f = fold(v);
      if (f !== NO_VALUE) out[k] = f;
    }
    return out;
  };

  const removed = new Set();
  for (const section of ['Resources', 'Outputs']) {
    for (const [id, entry] of Object.entries(template[section] ?? {})) {
      if (typeof entry.Condition !== 'string' || !decided.has(entry.Condition)) continue;
      if (decided.get(entry.Condition)) delete entry.Condition;
      else {
        delete template[section][id];
        if (section === 'Resources') removed.add(id);
      }
    }
  }
  for (const section of ['Resources', 'Outputs']) {
    if (template[section]) template[section] = fold(template[section]);
  }

  for (const resource of Object.values(template.Resources ?? {})) {
    if (resource.DependsOn === undefined) continue;
    const implied = references(resource.Properties ?? {});
    const kept = [resource.DependsOn].flat().filter((d) => !removed.has(d) && !implied.has(d));
    if (kept.length === 0) delete resource.DependsOn;
    else resource.DependsOn = kept;
  }

  if (template.Conditions) {
    const stillUsed = conditionRefs(Object.entries(conditions).filter(([n]) => !decided.has(n)).map(([, c]) => c));
    for (const name of decided.keys()) if (!stillUsed.has(name)) delete template.Conditions[name];
    if (Object.keys(template.Conditions).length === 0) delete template.Conditions;
  }
  return template;
}

module.exports = { foldStaticConditions };
