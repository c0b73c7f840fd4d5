#!/usr/bin/env node
// Differential-test oracle for `cmkgate policy eval --batch`.
//
// Reads JSON Lines queries (file argument or stdin), evaluates each one with
// the pinned @cloud-copilot/iam-simulate library and writes one JSON line per
// query, in input order:
//   {"id": ..., "decision": "Allow" | "ExplicitDeny" | "ImplicitDeny"}
//   {"id": ..., "error": "..."}      library rejected the query / bad input
//   {"id": ..., "skip": "reason"}    library is known to disagree with the
//                                    AWS documentation for this query shape
//
// Options:
//   --no-skip          never emit "skip"; report the library's raw decision
//   --report-ignored   add "ignored_context_keys" when the library dropped keys
//   --check-rerun      evaluate every query through both the public API and the
//                      direct-core path used for kms:EncryptionContext:* keys,
//                      and report disagreements on stderr (self-check)
//   --explain          add "library" (raw result name) and "detail" fields
//   --no-ec-fix        keep the public API's answer even when it dropped
//                      kms:EncryptionContext:* context keys
//
// See README.md in this folder for the behaviours this relies on.

import { pathToFileURL } from 'node:url';
import { readFileSync } from 'node:fs';
import { runSimulation } from '@cloud-copilot/iam-simulate';
import { loadPolicy } from '@cloud-copilot/iam-policy';

// Internal modules of the pinned iam-simulate version.  They are needed only
// to pass context keys that the public API drops (see README, "context keys").
const simIndexUrl = import.meta.resolve('@cloud-copilot/iam-simulate');
const internal = async (rel) => import(new URL(rel, simIndexUrl).href);
const { authorize } = await internal('./core_engine/CoreSimulatorEngine.js');
const { AwsRequestImpl } = await internal('./request/request.js');
const { RequestContextImpl } = await internal('./requestContext.js');
const { DiscoveryContextKeyConstraints } = await internal(
  './context_keys/discoveryContextKeyConstraints.js'
);
const { normalizeSimulationParameters } = await internal(
  './simulation_engine/simulationEngine.js'
);

const DECISION = {
  Allowed: 'Allow',
  ExplicitlyDenied: 'ExplicitDeny',
  ImplicitlyDenied: 'ImplicitDeny'
};

// ---------------------------------------------------------------- helpers

class InputError extends Error {}

function parseDoc(doc, what) {
  if (typeof doc === 'string') {
    try {
      doc = JSON.parse(doc);
    } catch (e) {
      throw new InputError(`${what}: string is not valid JSON (${e.message})`);
    }
  }
  if (doc === null || typeof doc !== 'object' || Array.isArray(doc)) {
    throw new InputError(`${what}: policy document must be a JSON object`);
  }
  return doc;
}

function docList(value, what) {
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value)) throw new InputError(`${what} must be an array`);
  return value.map((d, i) => parseDoc(d, `${what}[${i}]`));
}

function arnAccount(arn) {
  if (typeof arn !== 'string' || !arn.startsWith('arn:')) return undefined;
  const parts = arn.split(':');
  return parts.length >= 6 && parts[4] !== '' ? parts[4] : undefined;
}

function contextValue(key, v) {
  if (typeof v === 'string') return v;
  if (typeof v === 'number' && Number.isFinite(v)) return String(v);
  if (typeof v === 'boolean') return v ? 'true' : 'false';
  if (Array.isArray(v)) {
    return v.map((e) => {
      if (Array.isArray(e) || e === null || typeof e === 'object') {
        throw new InputError(`context["${key}"]: array elements must be scalars`);
      }
      return contextValue(key, e);
    });
  }
  throw new InputError(`context["${key}"]: unsupported value type`);
}

// Merge several session policies into one document.  AWS treats the inline
// session policy plus managed session policies as one combined filter (an
// Allow in any of them counts); the library accepts a single document only.
function mergeSessionPolicies(docs) {
  if (docs.length === 0) return undefined;
  if (docs.length === 1) return docs[0];
  const statements = docs.flatMap((d) => [d.Statement].flat());
  return { Version: '2012-10-17', Statement: statements };
}

// ------------------------------------------------------ known divergences

function* allStatements(doc) {
  if (!doc || doc.Statement === undefined) return;
  for (const s of [doc.Statement].flat()) if (s && typeof s === 'object') yield s;
}

function staticSkipReason(q, docs) {
  if (typeof q.resource === 'string' && q.resource.includes('*')) {
    return 'wildcard-request-resource: library switches to pattern simulation';
  }
  for (const doc of docs) {
    if (doc.Version !== '2012-10-17' && JSON.stringify(doc).includes('${')) {
      return 'pre-2012-variables: library substitutes ${...} even without Version 2012-10-17';
    }
    for (const st of allStatements(doc)) {
      for (const field of ['Resource', 'NotResource']) {
        if (st[field] === undefined) continue;
        for (const r of [st[field]].flat()) {
          if (typeof r !== 'string' || !r.startsWith('arn:')) continue;
          const parts = r.split(':');
          if (parts.length < 6) continue;
          if (parts.slice(0, 5).join(':').includes('${')) {
            return 'resource-variable-outside-id: library resolves variables only after the resource type';
          }
          const rest = parts.slice(5).join(':');
          const cut = rest.search(/[/:]/);
          const product = cut === -1 ? '' : rest.slice(0, cut);
          if (parts[2] !== 's3' && /[*?$]/.test(product)) {
            return 'resource-type-glob: library matches the resource-type prefix literally';
          }
        }
      }
      const cond = st.Condition;
      if (!cond || typeof cond !== 'object') continue;
      for (const [op, body] of Object.entries(cond)) {
        const lower = op.toLowerCase();
        if (lower.includes(':') && lower.endsWith('ifexists')) {
          return 'set-operator-ifexists: library ignores IfExists under ForAnyValue/ForAllValues';
        }
        const base = lower.split(':').pop().replace(/ifexists$/, '');
        if (!body || typeof body !== 'object') continue;
        for (const [key, vals] of Object.entries(body)) {
          const values = [vals].flat().map(String);
          if ((base === 'ipaddress' || base === 'notipaddress') && values.some((v) => /^[0-9.]+\/0$/.test(v))) {
            return 'ipv4-slash-0: library computes the /0 mask as all-ones';
          }
          if (base === 'null') {
            const cv = findKeyCI(q.context, key);
            if (Array.isArray(cv) && cv.length === 0) {
              return 'null-on-empty-list: AWS docs do not say whether an empty multi-valued key is present';
            }
          }
          if (base.startsWith('date') && values.some((v) => /^-?\d+$/.test(v))) {
            return 'date-epoch: library mixes epoch seconds with milliseconds';
          }
          if (base.startsWith('date')) {
            const cv = q.context?.[key] ?? findKeyCI(q.context, key);
            if (cv !== undefined && /^-?\d+$/.test(String(cv))) {
              return 'date-epoch: library mixes epoch seconds with milliseconds';
            }
          }
        }
      }
    }
  }
  return undefined;
}

function findKeyCI(ctx, key) {
  if (!ctx) return undefined;
  const lk = key.toLowerCase();
  for (const k of Object.keys(ctx)) if (k.toLowerCase() === lk) return ctx[k];
  return undefined;
}

// Divergences that depend on how the library matched statements.
function analysisSkipReason(analysis, multiValuedKeys) {
  if (!analysis) return undefined;
  const rp = analysis.resourceAnalysis;
  const direct = (rp?.allowStatements ?? []).filter((s) => s.principalMatch === 'Match');
  if (analysis.sessionAnalysis && analysis.sessionAnalysis.result === 'ImplicitlyDenied' && direct.length > 0) {
    return 'session-policy-vs-direct-resource-grant: library lets the session policy limit grants to the session ARN / "*"';
  }
  const pb = analysis.permissionBoundaryAnalysis;
  if (pb && pb.result === 'ImplicitlyDenied' && analysis.sameAccount) {
    const viaWildcard = direct.some(
      (s) => s.statement.isPrincipalStatement() && s.statement.principals().some((p) => p.isWildcardPrincipal())
    );
    if (viaWildcard) {
      return 'pb-vs-wildcard-principal-grant: AWS docs do not say whether Principal "*" escapes an implicit boundary deny';
    }
  }
  if (multiValuedKeys.size > 0 && usesSingleOpOnMultiKey(analysis, multiValuedKeys)) {
    return 'single-operator-on-multivalued-key: AWS leaves this undefined; library never matches';
  }
  return undefined;
}

function usesSingleOpOnMultiKey(analysis, multiValuedKeys) {
  const groups = [
    analysis.identityAnalysis,
    analysis.resourceAnalysis,
    analysis.permissionBoundaryAnalysis,
    analysis.sessionAnalysis,
    ...(analysis.scpAnalysis?.ouAnalysis ?? [])
  ];
  for (const g of groups) {
    if (!g) continue;
    for (const s of [...g.allowStatements, ...g.denyStatements, ...g.unmatchedStatements]) {
      for (const c of s.statement.conditions()) {
        const op = c.operation();
        const base = op.baseOperator().toLowerCase();
        if (base === 'null' || op.setOperator()) continue;
        if (multiValuedKeys.has(c.conditionKey().toLowerCase())) return true;
      }
    }
  }
  return false;
}

// ----------------------------------------------------------- evaluation

const EC_KEY = /^kms:encryptioncontext:/i;

export async function evaluate(q, opts) {
  if (q === null || typeof q !== 'object' || Array.isArray(q)) {
    throw new InputError('query must be a JSON object');
  }
  for (const f of ['principal', 'action', 'resource']) {
    if (typeof q[f] !== 'string' || q[f] === '') throw new InputError(`"${f}" must be a non-empty string`);
  }
  const identityDocs = docList(q.identity_policies, 'identity_policies');
  const resourceDoc = q.resource_policy == null ? undefined : parseDoc(q.resource_policy, 'resource_policy');
  const boundaryDoc =
    q.permission_boundary == null ? undefined : parseDoc(q.permission_boundary, 'permission_boundary');
  const sessionDocs = docList(q.session_policies, 'session_policies');
  let scpLevels = [];
  if (q.scp_levels != null) {
    if (!Array.isArray(q.scp_levels)) throw new InputError('scp_levels must be an array of arrays');
    scpLevels = q.scp_levels.map((lvl, i) => docList(lvl, `scp_levels[${i}]`));
  }
  const context = {};
  if (q.context != null) {
    if (typeof q.context !== 'object' || Array.isArray(q.context)) throw new InputError('context must be an object');
    for (const [k, v] of Object.entries(q.context)) context[k] = contextValue(k, v);
  }
  let accountId = q.resource_account;
  if (accountId === undefined || accountId === null) {
    accountId = arnAccount(q.resource) ?? arnAccount(q.principal);
  }
  if (typeof accountId !== 'string' || accountId === '') {
    throw new InputError('cannot determine resource account');
  }

  const allDocs = [...identityDocs, resourceDoc, boundaryDoc, ...sessionDocs, ...scpLevels.flat()].filter(Boolean);
  const staticSkip = opts.skip ? staticSkipReason(q, allDocs) : undefined;
  if (staticSkip) return { skip: staticSkip };

  const sessionPolicy = mergeSessionPolicies(sessionDocs);
  const simulation = {
    request: {
      principal: q.principal,
      action: q.action,
      resource: { resource: q.resource, accountId },
      contextVariables: context
    },
    identityPolicies: identityDocs.map((policy, i) => ({ name: `identity-${i}`, policy })),
    serviceControlPolicies: scpLevels.map((docs, i) => ({
      orgIdentifier: `level-${i}`,
      policies: docs.map((policy, j) => ({ name: `scp-${i}-${j}`, policy }))
    })),
    resourceControlPolicies: [],
    ...(resourceDoc ? { resourcePolicy: resourceDoc } : {}),
    ...(boundaryDoc ? { permissionBoundaryPolicies: [{ name: 'boundary', policy: boundaryDoc }] } : {}),
    ...(sessionPolicy ? { sessionPolicy } : {})
  };

  const res = await runSimulation(simulation, { simulationMode: 'Strict' });
  if (res.resultType === 'error') {
    const { message, ...rest } = res.errors;
    const detail = Object.keys(rest).length ? ' ' + JSON.stringify(rest) : '';
    return { error: `iam-simulate: ${message}${detail}`.slice(0, 600) };
  }
  if (res.resultType !== 'single') {
    return { error: `iam-simulate: unexpected result type ${res.resultType}` };
  }
  let analysis = res.result.analysis;
  const ignored = res.result.ignoredContextKeys ?? [];
  const droppedEc =
    opts.ecFix && q.action.toLowerCase().startsWith('kms:') ? ignored.filter((k) => EC_KEY.test(k)) : [];

  const { validContextValues } = await normalizeSimulationParameters(simulation, undefined);
  if (droppedEc.length > 0 || opts.checkRerun) {
    const direct = authorizeDirect(simulation, validContextValues, context, droppedEc);
    if (opts.checkRerun && droppedEc.length === 0 && direct.result !== analysis.result) {
      process.stderr.write(
        `check-rerun mismatch id=${JSON.stringify(q.id)}: public=${analysis.result} direct=${direct.result}\n`
      );
    }
    if (droppedEc.length > 0) analysis = direct;
  }

  // The library stores a key as an array exactly when its IAM data types it ArrayOf*.
  const multi = new Set(
    Object.entries(validContextValues)
      .filter(([, v]) => Array.isArray(v))
      .map(([k]) => k.toLowerCase())
  );
  const late = opts.skip ? analysisSkipReason(analysis, multi) : undefined;
  if (late) return { skip: late };

  const decision = DECISION[analysis.result];
  if (!decision) return { error: `iam-simulate: unexpected result ${analysis.result}` };
  const out = { decision };
  if (opts.reportIgnored && ignored.length > 0) out.ignored_context_keys = ignored.filter((k) => !droppedEc.includes(k));
  if (opts.explain) {
    out.library = analysis.result;
    out.detail = {
      sameAccount: analysis.sameAccount,
      identity: analysis.identityAnalysis?.result,
      resource: analysis.resourceAnalysis?.result,
      boundary: analysis.permissionBoundaryAnalysis?.result,
      session: analysis.sessionAnalysis?.result,
      scp: analysis.scpAnalysis?.result,
      blockedBy: analysis.blockedBy
    };
  }
  return out;
}

// Evaluate through the library core directly, with the normalised context plus
// the kms:EncryptionContext:* keys that the public API drops.
function authorizeDirect(simulation, validContextValues, rawContext, extraKeys) {
  const ctx = { ...validContextValues };
  for (const k of extraKeys) {
    const v = rawContext[k];
    ctx[k] = Array.isArray(v) ? v[0] : v; // single-valued String keys in AWS
  }
  const load = (p, name) => loadPolicy(p, { name });
  return authorize({
    request: new AwsRequestImpl(
      simulation.request.principal,
      { resource: simulation.request.resource.resource, accountId: simulation.request.resource.accountId },
      simulation.request.action,
      new RequestContextImpl(ctx),
      false
    ),
    sessionPolicy: simulation.sessionPolicy ? load(simulation.sessionPolicy, 'SessionPolicy') : undefined,
    identityPolicies: simulation.identityPolicies.map((p) => load(p.policy, p.name)),
    serviceControlPolicies: simulation.serviceControlPolicies.map((lvl) => ({
      orgIdentifier: lvl.orgIdentifier,
      policies: lvl.policies.map((p) => load(p.policy, p.name))
    })),
    resourceControlPolicies: [],
    resourcePolicy: simulation.resourcePolicy ? load(simulation.resourcePolicy, undefined) : undefined,
    permissionBoundaries: simulation.permissionBoundaryPolicies?.map((p) => load(p.policy, p.name)),
    vpcEndpointPolicies: undefined,
    simulationParameters: {
      simulationMode: 'Strict',
      discoveryContextKeyConstraints: new DiscoveryContextKeyConstraints([])
    },
    serviceSettings: { s3: { blockPublicAccess: undefined } }
  });
}

// ----------------------------------------------------------------- main

// A closed pipe (e.g. `| head`) is a normal way to stop reading.
process.stdout.on('error', (e) => {
  if (e.code === 'EPIPE') process.exit(0);
  throw e;
});

async function main() {
  const args = process.argv.slice(2);
  const opts = { skip: true, reportIgnored: false, checkRerun: false, explain: false, ecFix: true };
  let file;
  for (const a of args) {
    if (a === '--no-skip') opts.skip = false;
    else if (a === '--report-ignored') opts.reportIgnored = true;
    else if (a === '--check-rerun') opts.checkRerun = true;
    else if (a === '--explain') opts.explain = true;
    else if (a === '--no-ec-fix') opts.ecFix = false;
    else if (a === '-h' || a === '--help') {
      process.stdout.write('usage: node oracle.mjs [--no-skip] [--report-ignored] [--check-rerun] [--explain] [--no-ec-fix] [FILE]\n');
      return;
    } else if (a.startsWith('--')) {
      process.stderr.write(`oracle: unknown option ${a}\n`);
      process.exit(2);
    } else file = a;
  }
  const text = readFileSync(file === undefined || file === '-' ? 0 : file, 'utf8');
  const out = [];
  for (const line of text.split('\n')) {
    if (line.trim() === '') continue;
    let q;
    let id = null;
    try {
      q = JSON.parse(line);
      if (q && typeof q === 'object' && 'id' in q) id = q.id;
    } catch (e) {
      out.push(JSON.stringify({ id: null, error: `invalid JSON line: ${e.message}` }));
      continue;
    }
    let r;
    try {
      r = await evaluate(q, opts);
    } catch (e) {
      r = { error: e instanceof InputError ? e.message : `oracle internal error: ${e.message}` };
    }
    out.push(JSON.stringify({ id, ...r }));
    if (out.length >= 256) {
      process.stdout.write(out.join('\n') + '\n');
      out.length = 0;
    }
  }
  if (out.length) process.stdout.write(out.join('\n') + '\n');
}

// Run as a program; imported (tests/bench/bench-iam-simulate.mjs) it only exports evaluate().
if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) await main();
