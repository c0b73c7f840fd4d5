#!/usr/bin/env node
// Random query generator for the cmkgate policy differential test.
//
//   node gen.mjs --seed N --count K [--stats]
//
// Prints K queries as JSON Lines (the `cmkgate policy eval --batch` input
// format).  The output depends only on N and K.  With --stats the queries are
// also run through oracle.mjs and a histogram of its answers goes to stderr.
//
// Every document produced is a valid policy of its kind; knobs that make the
// oracle disagree with the AWS documentation are avoided (see README.md).

import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

// ------------------------------------------------------------------ PRNG

function mulberry32(seed) {
  let a = seed >>> 0;
  return function next() {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

class Rng {
  constructor(seed) {
    this.next = mulberry32(seed);
  }
  chance(p) {
    return this.next() < p;
  }
  int(lo, hi) {
    // inclusive
    return lo + Math.floor(this.next() * (hi - lo + 1));
  }
  pick(arr) {
    return arr[Math.floor(this.next() * arr.length)];
  }
  weighted(pairs) {
    // pairs: [[weight, value], ...]
    const total = pairs.reduce((s, [w]) => s + w, 0);
    let r = this.next() * total;
    for (const [w, v] of pairs) {
      if ((r -= w) < 0) return v;
    }
    return pairs[pairs.length - 1][1];
  }
  sample(arr, n) {
    const copy = [...arr];
    const out = [];
    while (out.length < n && copy.length) out.push(copy.splice(Math.floor(this.next() * copy.length), 1)[0]);
    return out;
  }
}

// ------------------------------------------------------------- universe

const ACCOUNTS = ['111111111111', '222222222222'];
const REGION = 'eu-west-1';
const USERS = ['alice', 'bob', 'carol'];
const ROLES = ['ops', 'deploy', 'flink-runner'];
const SESSION_NAMES = ['alice-session', 'bob-session', 'i-0abc123'];
const KEY_IDS = [
  '1234abcd-12ab-34cd-56ef-1234567890ab',
  '0f9e8d7c-6b5a-4321-9876-fedcba987654',
  'aaaabbbb-cccc-dddd-eeee-ffff00001111'
];
const APPS = ['blue-app', 'red-app', 'flink-prod'];
const BUCKETS = ['bucket-alpha', 'bucket-beta'];
const OBJECT_KEYS = ['alice/report.csv', 'bob/data.bin', 'shared/readme.txt', 'blue/notes.txt'];
const PASS_ROLES = ['ops', 'flink-runner', 'admin'];
const SERVICE_PRINCIPAL = 'kinesisanalytics.amazonaws.com';

const ACTIONS = {
  kms: ['Decrypt', 'GenerateDataKey', 'DescribeKey', 'CreateGrant', 'Encrypt'],
  kinesisanalytics: [
    'UpdateApplication',
    'StartApplication',
    'StopApplication',
    'CreateApplicationSnapshot',
    'DescribeApplication'
  ],
  s3: ['GetObject', 'PutObject'],
  iam: ['PassRole']
};
// Actions whose request context carries kms:EncryptionContext:* (per IAM data).
const KMS_EC_ACTIONS = new Set(['Decrypt', 'GenerateDataKey', 'CreateGrant', 'Encrypt']);

// Action patterns that policies may use, per service (valid IAM action syntax).
const ACTION_PATTERNS = {
  kms: ['kms:*', 'kms:Generate*', 'kms:?ecrypt', 'kms:*crypt', 'kms:Describe*', 'kms:*Grant', 'kms:*Key', 'kms:Create*'],
  kinesisanalytics: [
    'kinesisanalytics:*',
    'kinesisanalytics:*Application',
    'kinesisanalytics:Describe*',
    'kinesisanalytics:St*Application',
    'kinesisanalytics:Create*'
  ],
  s3: ['s3:*', 's3:Get*', 's3:*Object', 's3:Put*', 's3:?etObject'],
  iam: ['iam:*', 'iam:Pass*', 'iam:PassRol?', 'iam:Get*']
};

const userArn = (acct, name) => `arn:aws:iam::${acct}:user/${name}`;
const roleArn = (acct, name) => `arn:aws:iam::${acct}:role/${name}`;
const sessionArn = (acct, role, sess) => `arn:aws:sts::${acct}:assumed-role/${role}/${sess}`;
const keyArn = (acct, id) => `arn:aws:kms:${REGION}:${acct}:key/${id}`;
const appArn = (acct, name) => `arn:aws:kinesisanalytics:${REGION}:${acct}:application/${name}`;
const rootArn = (acct) => `arn:aws:iam::${acct}:root`;
const otherAccount = (acct) => (acct === ACCOUNTS[0] ? ACCOUNTS[1] : ACCOUNTS[0]);

// ---------------------------------------------------------------- query

function genQuery(rng, id) {
  const principal = genPrincipal(rng);
  if (principal.kind === 'service') return genServiceQuery(rng, id, principal);

  const service = rng.weighted([
    [45, 'kms'],
    [25, 'kinesisanalytics'],
    [17, 's3'],
    [13, 'iam']
  ]);
  const actionName = rng.pick(ACTIONS[service]);
  const action = `${service}:${actionName}`;
  const resAcct = rng.chance(0.7) ? principal.account : otherAccount(principal.account);
  const target = genResource(rng, service, resAcct);

  const q = { id, principal: principal.arn, action, resource: target.arn };
  if (service === 's3') {
    // S3 ARNs carry no account: always say which account owns the bucket
    // (cmkgate refuses to guess).  The draw below only keeps the random
    // stream, and so every query id, the same as before.
    if (resAcct === principal.account) rng.chance(0.3);
    q.resource_account = resAcct;
  } else if (rng.chance(0.1)) {
    q.resource_account = resAcct;
  }

  const env = { principal, service, actionName, action, resAcct, target };
  env.context = genContext(rng, env);
  q.context = env.context;

  const nId = rng.weighted([
    [40, 1],
    [30, 2],
    [20, 3],
    [10, 4]
  ]);
  q.identity_policies = [];
  for (let i = 0; i < nId; i++) q.identity_policies.push(maybeString(rng, genPolicy(rng, env, 'identity')));

  const rpChance = service === 'kms' ? 0.85 : service === 's3' ? 0.4 : 0;
  if (rng.chance(rpChance)) q.resource_policy = maybeString(rng, genResourcePolicy(rng, env));
  if (rng.chance(0.2)) q.permission_boundary = maybeString(rng, genPolicy(rng, env, 'boundary'));
  if (principal.kind === 'session' && rng.chance(0.3)) {
    q.session_policies = [];
    const n = rng.chance(0.75) ? 1 : 2;
    for (let i = 0; i < n; i++) q.session_policies.push(maybeString(rng, genPolicy(rng, env, 'session')));
  }
  if (rng.chance(0.3)) q.scp_levels = genScpLevels(rng, env);
  return q;
}

function genPrincipal(rng) {
  const account = rng.pick(ACCOUNTS);
  const kind = rng.weighted([
    [35, 'user'],
    [15, 'role'],
    [45, 'session'],
    [5, 'service']
  ]);
  if (kind === 'user') {
    const name = rng.pick(USERS);
    return { kind, account, name, arn: userArn(account, name) };
  }
  if (kind === 'role') {
    const role = rng.pick(ROLES);
    return { kind, account, role, arn: roleArn(account, role) };
  }
  if (kind === 'session') {
    const role = rng.pick(ROLES);
    const sess = rng.pick(SESSION_NAMES);
    return { kind, account, role, sess, arn: sessionArn(account, role, sess) };
  }
  return { kind, account: undefined, arn: SERVICE_PRINCIPAL };
}

function genResource(rng, service, acct) {
  switch (service) {
    case 'kms':
      return { arn: keyArn(acct, rng.pick(KEY_IDS)) };
    case 'kinesisanalytics':
      return { arn: appArn(acct, rng.pick(APPS)) };
    case 's3':
      return { arn: `arn:aws:s3:::${rng.pick(BUCKETS)}/${rng.pick(OBJECT_KEYS)}` };
    default:
      return { arn: roleArn(acct, rng.pick(PASS_ROLES)) };
  }
}

// A service principal (e.g. Managed Flink) using a customer key: only the key
// policy can grant it.  No identity policies, boundary, session or SCPs.
function genServiceQuery(rng, id, principal) {
  const actionName = rng.pick(['Decrypt', 'GenerateDataKey', 'DescribeKey', 'Encrypt']);
  const acct = rng.pick(ACCOUNTS);
  const resource = keyArn(acct, rng.pick(KEY_IDS));
  const context = {};
  const app = appArn(rng.chance(0.8) ? acct : otherAccount(acct), rng.pick(APPS));
  if (rng.chance(0.8)) context['aws:SourceAccount'] = rng.chance(0.85) ? acct : otherAccount(acct);
  if (rng.chance(0.7)) context['aws:SourceArn'] = app;
  if (KMS_EC_ACTIONS.has(actionName) && rng.chance(0.6)) context['kms:EncryptionContext:aws:kinesisanalytics:arn'] = app;
  if (rng.chance(0.5)) context['kms:ViaService'] = `kinesisanalytics.${REGION}.amazonaws.com`;
  context['kms:CallerAccount'] = acct;

  const statements = [];
  const grant = {
    Effect: 'Allow',
    Principal: { Service: rng.chance(0.85) ? SERVICE_PRINCIPAL : 'logs.amazonaws.com' },
    Action: rng.pick([`kms:${actionName}`, ['kms:Decrypt', 'kms:GenerateDataKey', 'kms:DescribeKey'], 'kms:*']),
    Resource: '*'
  };
  const cond = {};
  if (rng.chance(0.6)) cond.StringEquals = { 'aws:SourceAccount': rng.chance(0.8) ? acct : otherAccount(acct) };
  if (rng.chance(0.4)) cond.ArnLike = { 'aws:SourceArn': `arn:aws:kinesisanalytics:${REGION}:${acct}:application/*` };
  if (rng.chance(0.3))
    cond.StringLike = { 'kms:EncryptionContext:aws:kinesisanalytics:arn': `arn:aws:kinesisanalytics:*:${acct}:application/*` };
  if (Object.keys(cond).length) grant.Condition = cond;
  statements.push(grant);
  if (rng.chance(0.5)) {
    statements.push({ Effect: 'Allow', Principal: { AWS: rootArn(acct) }, Action: 'kms:*', Resource: '*' });
  }
  if (rng.chance(0.25)) {
    statements.push({
      Effect: 'Deny',
      Principal: '*',
      Action: 'kms:*',
      Resource: '*',
      Condition: { StringNotEquals: { 'aws:SourceAccount': acct } }
    });
  }
  const q = { id, principal: principal.arn, action: `kms:${actionName}`, resource, context, identity_policies: [] };
  if (rng.chance(0.95)) q.resource_policy = maybeString(rng, { Version: '2012-10-17', Statement: statements });
  return q;
}

function maybeString(rng, doc) {
  return rng.chance(0.1) ? JSON.stringify(doc) : doc;
}

// -------------------------------------------------------------- context

const IPS_V4 = ['10.1.2.3', '192.168.1.20', '203.0.113.7', '198.51.100.1'];
const IPS_V6 = ['2001:db8::1', '2001:db8:abcd:12::5', 'fd00::42'];
const TIMES = ['2023-12-31T23:59:59Z', '2024-06-15T10:00:00Z', '2025-06-01T12:00:00Z', '2026-02-01T08:30:00Z'];
const TEAMS = ['blue', 'red', 'BLUE', 'green'];
const TAG_KEYS = ['env', 'team', 'owner', 'Env', 'cost-center'];
const VIA = [`kinesisanalytics.${REGION}.amazonaws.com`, `s3.${REGION}.amazonaws.com`, `ec2.${REGION}.amazonaws.com`];
const GRANT_OPS = ['Decrypt', 'Encrypt', 'GenerateDataKey', 'RetireGrant', 'DescribeKey'];

// The request context.  Principal-derived keys are always present (AWS always
// sets them), so evaluators that fill them in themselves agree with ones that
// read them from the query.  Other keys come and go at random.
function genContext(rng, env) {
  const { principal, service, actionName } = env;
  const ctx = {};
  ctx['aws:PrincipalAccount'] = principal.account;
  ctx['aws:PrincipalArn'] =
    principal.kind === 'session' ? roleArn(principal.account, principal.role) : principal.arn;
  if (principal.kind === 'user') ctx['aws:username'] = principal.name;

  if (rng.chance(0.6)) ctx['aws:SourceIp'] = rng.chance(0.7) ? rng.pick(IPS_V4) : rng.pick(IPS_V6);
  if (rng.chance(0.55)) {
    const v = rng.chance(0.6);
    ctx['aws:MultiFactorAuthPresent'] = rng.chance(0.3) ? v : String(v);
  }
  if (rng.chance(0.35)) {
    const age = rng.pick([0, 120, 3599, 3600, 7200, 86400]);
    ctx['aws:MultiFactorAuthAge'] = rng.chance(0.5) ? age : String(age);
  }
  if (rng.chance(0.6)) ctx['aws:CurrentTime'] = rng.pick(TIMES);
  if (rng.chance(0.55)) ctx['aws:PrincipalTag/team'] = rng.pick(TEAMS);
  if (rng.chance(0.4)) ctx['aws:TagKeys'] = rng.sample(TAG_KEYS, rng.int(0, 3));
  if (service === 'kms') {
    if (rng.chance(0.6)) ctx['kms:ViaService'] = rng.pick(VIA);
    if (rng.chance(0.5)) ctx['kms:CallerAccount'] = principal.account;
    if (KMS_EC_ACTIONS.has(actionName) && rng.chance(0.6)) {
      ctx['kms:EncryptionContext:aws:kinesisanalytics:arn'] = appArn(
        rng.chance(0.8) ? env.resAcct : otherAccount(env.resAcct),
        rng.pick(APPS)
      );
    }
    if (actionName === 'CreateGrant') {
      if (rng.chance(0.7)) ctx['kms:GrantOperations'] = rng.sample(GRANT_OPS, rng.int(0, 3));
      if (rng.chance(0.5))
        ctx['kms:GrantConstraintType'] = rng.pick(['EncryptionContextEquals', 'EncryptionContextSubset']);
    }
  }
  if (service === 'iam' && rng.chance(0.7)) {
    ctx['iam:PassedToService'] = rng.pick([SERVICE_PRINCIPAL, 'ec2.amazonaws.com']);
  }
  return ctx;
}

// ------------------------------------------------------------ conditions

// Each generator returns [operator, key, value(s)] using values drawn from the
// same pools as the context, so conditions match often enough to matter.
function condViaService(rng) {
  return rng.pick([
    () => ['StringEquals', 'kms:ViaService', rng.pick(VIA)],
    () => ['StringLike', 'kms:ViaService', rng.pick(['kinesisanalytics.*.amazonaws.com', '*.amazonaws.com', 's3.?u-west-1.amazonaws.com'])],
    () => ['StringNotEquals', 'kms:ViaService', rng.pick(VIA)],
    () => ['StringEqualsIgnoreCase', 'kms:ViaService', `KINESISANALYTICS.${REGION}.AMAZONAWS.COM`],
    () => ['StringNotLike', 'kms:ViaService', 'ec2.*'],
    () => ['StringEquals', 'kms:ViaService', rng.sample(VIA, 2)]
  ])();
}

function condEncryptionContext(rng, env) {
  const k = 'kms:EncryptionContext:aws:kinesisanalytics:arn';
  const acct = rng.chance(0.7) ? env.resAcct : otherAccount(env.resAcct);
  return rng.pick([
    () => ['StringEquals', k, appArn(acct, rng.pick(APPS))],
    () => ['StringLike', k, `arn:aws:kinesisanalytics:*:${acct}:application/*`],
    () => ['StringLike', k, `arn:aws:kinesisanalytics:${REGION}:\${aws:PrincipalAccount}:application/*`],
    () => ['StringNotEquals', k, appArn(acct, rng.pick(APPS))],
    () => ['StringEquals', k, [appArn(acct, APPS[0]), appArn(acct, APPS[2])]],
    () => ['StringLike', k, `arn:aws:kinesisanalytics:${REGION}:${acct}:application/\${aws:PrincipalTag/team}-*`]
  ])();
}

function condSourceIp(rng) {
  const cidrs = ['10.0.0.0/8', '192.168.1.0/24', '203.0.113.7/32', '203.0.113.7', '198.51.100.0/25', '2001:db8::/32', '2001:db8:abcd::/48', 'fd00::/8', '::1/128'];
  const op = rng.pick(['IpAddress', 'NotIpAddress']);
  return [op, 'aws:SourceIp', rng.chance(0.5) ? rng.pick(cidrs) : rng.sample(cidrs, rng.int(2, 3))];
}

function condMfa(rng) {
  return rng.pick([
    () => ['Bool', 'aws:MultiFactorAuthPresent', rng.pick(['true', 'false', true, false])],
    () => ['Bool', 'aws:MultiFactorAuthPresent', 'true'],
    () => ['Null', 'aws:MultiFactorAuthPresent', rng.pick(['true', 'false'])]
  ])();
}

function condMfaAge(rng) {
  const op = rng.pick(['NumericLessThan', 'NumericLessThanEquals', 'NumericGreaterThan', 'NumericGreaterThanEquals', 'NumericEquals', 'NumericNotEquals']);
  const v = rng.pick(['3600', '120', '86400', 3600, '7200.5', '0']);
  return [op, 'aws:MultiFactorAuthAge', v];
}

function condTime(rng) {
  const op = rng.pick(['DateGreaterThan', 'DateGreaterThanEquals', 'DateLessThan', 'DateLessThanEquals', 'DateEquals', 'DateNotEquals']);
  const v = rng.pick(['2024-01-01T00:00:00Z', '2025-06-01T12:00:00Z', '2026-01-01T00:00:00Z', '2024-06-15T10:00:00Z', '2025-01-01']);
  return [op, 'aws:CurrentTime', v];
}

function condTeam(rng) {
  const k = 'aws:PrincipalTag/team';
  return rng.pick([
    () => ['StringEquals', k, rng.pick(['blue', 'red'])],
    () => ['StringEqualsIgnoreCase', k, rng.pick(['BLUE', 'Red'])],
    () => ['StringNotEquals', k, rng.pick(['blue', 'red'])],
    () => ['StringNotEqualsIgnoreCase', k, 'blue'],
    () => ['StringLike', k, rng.pick(['bl*', '?ed', '*'])],
    () => ['StringEquals', k, ['blue', 'green']],
    () => ['Null', k, rng.pick(['true', 'false'])],
    () => ['ForAnyValue:StringEquals', k, ['blue', 'red']]
  ])();
}

function condTagKeys(rng) {
  const k = 'aws:TagKeys';
  return rng.pick([
    () => ['ForAnyValue:StringEquals', k, rng.sample(TAG_KEYS, rng.int(1, 2))],
    () => ['ForAllValues:StringEquals', k, rng.sample(TAG_KEYS, rng.int(2, 3))],
    () => ['ForAllValues:StringLike', k, ['e*', 't*']],
    () => ['ForAnyValue:StringLike', k, 'cost-*'],
    () => ['ForAllValues:StringEqualsIgnoreCase', k, ['env', 'team']],
    () => ['ForAnyValue:StringNotEquals', k, 'env'],
    () => ['ForAllValues:StringNotEquals', k, ['owner']],
    () => ['Null', k, rng.pick(['true', 'false'])],
    // Single-valued operator on a multi-valued key: undefined in AWS docs.
    // The oracle skips these when the key is present; kept rare.
    () => (rng.chance(0.3) ? ['StringEquals', k, 'env'] : ['ForAnyValue:StringEquals', k, 'team'])
  ])();
}

function condGrantOps(rng) {
  const k = 'kms:GrantOperations';
  return rng.pick([
    () => ['ForAllValues:StringEquals', k, ['Decrypt', 'Encrypt', 'GenerateDataKey']],
    () => ['ForAnyValue:StringEquals', k, rng.pick(['RetireGrant', 'Decrypt'])],
    () => ['ForAllValues:StringLike', k, ['*crypt', 'Generate*']],
    () => ['ForAnyValue:StringNotEquals', k, 'Decrypt']
  ])();
}

function condGrantConstraint(rng) {
  const k = 'kms:GrantConstraintType';
  return rng.pick([
    () => ['StringEquals', k, rng.pick(['EncryptionContextEquals', 'EncryptionContextSubset'])],
    () => ['Null', k, rng.pick(['true', 'false'])],
    () => ['StringLike', k, 'EncryptionContext*']
  ])();
}

function condPrincipalArn(rng, env) {
  const acct = env.principal.account;
  const k = 'aws:PrincipalArn';
  return rng.pick([
    () => ['ArnLike', k, `arn:aws:iam::${acct}:role/*`],
    () => ['ArnEquals', k, env.context[k]],
    () => ['ArnNotLike', k, `arn:aws:iam::*:role/flink-*`],
    () => ['ArnNotEquals', k, roleArn(acct, 'ops')],
    () => ['ArnLike', k, `arn:aws:iam::*:user/\${aws:username}`],
    () => ['StringLike', k, `arn:aws:iam::${acct}:*`],
    () => ['ArnLike', k, [`arn:aws:iam::${otherAccount(acct)}:*`, `arn:aws:iam::${acct}:user/*`]]
  ])();
}

function condMisc(rng, env) {
  const acct = env.principal.account;
  return rng.pick([
    () => ['StringEquals', 'aws:PrincipalAccount', rng.chance(0.7) ? acct : otherAccount(acct)],
    () => ['StringEquals', 'kms:CallerAccount', rng.chance(0.7) ? acct : otherAccount(acct)],
    () => ['StringLike', 'aws:username', rng.pick(['a*', '${aws:PrincipalTag/team, \'alice\'}', '${aws:username}'])],
    () => ['StringEquals', 'aws:PrincipalTag/team', '${aws:username, \'blue\'}']
  ])();
}

function condPassedTo(rng) {
  return rng.pick([
    () => ['StringEquals', 'iam:PassedToService', SERVICE_PRINCIPAL],
    () => ['StringLike', 'iam:PassedToService', '*.amazonaws.com'],
    () => ['StringNotEquals', 'iam:PassedToService', 'ec2.amazonaws.com']
  ])();
}

const IFEXISTS_OK = new Set([
  'StringEquals', 'StringLike', 'StringNotEquals', 'StringEqualsIgnoreCase', 'Bool', 'IpAddress', 'NotIpAddress',
  'NumericLessThan', 'NumericGreaterThan', 'DateGreaterThan', 'DateLessThan', 'ArnLike', 'ArnNotLike'
]);

function genCondition(rng, env, opts = {}) {
  const kmsOnly = env.service === 'kms';
  const gens = [
    [3, condSourceIp],
    [3, condMfa],
    [2, condMfaAge],
    [3, condTime],
    [3, condTeam],
    [2, condTagKeys],
    [3, condPrincipalArn],
    [2, condMisc]
  ];
  if (kmsOnly) {
    gens.push([4, condViaService]);
    if (KMS_EC_ACTIONS.has(env.actionName)) gens.push([7, condEncryptionContext]);
    if (env.actionName === 'CreateGrant') gens.push([3, condGrantOps], [2, condGrantConstraint]);
  }
  if (env.service === 'iam') gens.push([3, condPassedTo]);
  const cond = {};
  const n = rng.weighted([
    [70, 1],
    [25, 2],
    [5, 3]
  ]);
  for (let i = 0; i < n; i++) {
    let [op, key, value] = rng.weighted(gens)(rng, env);
    if (opts.noVariables && JSON.stringify(value).includes('${')) continue;
    if (!op.includes(':') && IFEXISTS_OK.has(op) && rng.chance(0.15)) op += 'IfExists';
    cond[op] ??= {};
    cond[op][key] = value; // a repeated key simply replaces the earlier value
  }
  return Object.keys(cond).length ? cond : undefined;
}

// ------------------------------------------------------------ statements

function actionForms(rng, action) {
  const [svc, name] = action.split(':');
  return rng.weighted([
    [40, action],
    [8, `${svc.toUpperCase()}:${name.toLowerCase()}`],
    [5, `${svc}:${name.toUpperCase()}`],
    [20, rng.pick(ACTION_PATTERNS[svc])],
    [5, '*']
  ]);
}

function otherAction(rng) {
  const svc = rng.pick(Object.keys(ACTIONS));
  return `${svc}:${rng.pick(ACTIONS[svc])}`;
}

function genActionField(rng, env) {
  const n = rng.weighted([
    [60, 1],
    [30, 2],
    [10, 3]
  ]);
  const list = [];
  for (let i = 0; i < n; i++) {
    list.push(rng.chance(0.6) ? actionForms(rng, env.action) : actionForms(rng, otherAction(rng)));
  }
  return list.length === 1 && rng.chance(0.6) ? list[0] : list;
}

// Resource patterns that can match the target, plus ones that cannot.
function resourcePatterns(rng, env, allowVariables) {
  const { service, resAcct, target } = env;
  const acct = rng.pick([resAcct, resAcct, '*', otherAccount(resAcct)]);
  const pats = [target.arn, target.arn, '*'];
  if (service === 'kms') {
    pats.push(
      `arn:aws:kms:*:${acct}:key/*`,
      `arn:aws:kms:${REGION}:${acct}:key/${target.arn.split('/').pop().slice(0, 4)}*`,
      `arn:aws:kms:${REGION}:${resAcct}:key/${rng.pick(KEY_IDS)}`,
      `arn:aws:kms:us-east-1:${resAcct}:key/*`,
      `arn:aws:kms:${REGION}:${acct}:key/????????-*`
    );
  } else if (service === 'kinesisanalytics') {
    pats.push(
      `arn:aws:kinesisanalytics:${REGION}:${acct}:application/*`,
      `arn:aws:kinesisanalytics:*:${acct}:application/*-app`,
      appArn(resAcct, rng.pick(APPS)),
      `arn:aws:kinesisanalytics:${REGION}:${acct}:application/flink-*`
    );
    if (allowVariables) pats.push(`arn:aws:kinesisanalytics:${REGION}:${resAcct}:application/\${aws:PrincipalTag/team}-app`);
  } else if (service === 's3') {
    pats.push(
      `arn:aws:s3:::${rng.pick(BUCKETS)}/*`,
      'arn:aws:s3:::*/shared/*',
      `arn:aws:s3:::${rng.pick(BUCKETS)}/${rng.pick(OBJECT_KEYS)}`,
      'arn:aws:s3:::bucket-?lpha/*'
    );
    if (allowVariables)
      pats.push(
        `arn:aws:s3:::${rng.pick(BUCKETS)}/\${aws:username}/*`,
        `arn:aws:s3:::${rng.pick(BUCKETS)}/\${aws:username, 'shared'}/*`,
        `arn:aws:s3:::${rng.pick(BUCKETS)}/\${aws:PrincipalTag/team}/*`
      );
  } else {
    pats.push(
      `arn:aws:iam::${acct}:role/*`,
      `arn:aws:iam::${acct}:role/flink-*`,
      roleArn(resAcct, rng.pick(PASS_ROLES)),
      `arn:aws:iam::*:role/ops`
    );
  }
  // Occasionally a resource of a different service entirely.
  if (rng.chance(0.1)) pats.push(keyArn(resAcct, KEY_IDS[0]), appArn(resAcct, APPS[0]));
  return pats;
}

function genResourceField(rng, env, allowVariables) {
  const pats = resourcePatterns(rng, env, allowVariables);
  const n = rng.weighted([
    [65, 1],
    [25, 2],
    [10, 3]
  ]);
  const list = [];
  for (let i = 0; i < n; i++) list.push(rng.pick(pats));
  return list.length === 1 && rng.chance(0.6) ? list[0] : list;
}

function genStatement(rng, env, kind, allowVariables) {
  const denyP = kind === 'boundary' ? 0.1 : kind === 'session' ? 0.15 : 0.22;
  const st = {};
  if (rng.chance(0.2)) st.Sid = `S${rng.int(0, 999)}`;
  st.Effect = rng.chance(denyP) ? 'Deny' : 'Allow';
  if (rng.chance(0.1)) {
    // NotAction: usually lists other actions, sometimes the requested one.
    st.NotAction = rng.chance(0.7) ? [otherAction(rng)] : [env.action, otherAction(rng)];
  } else {
    st.Action = genActionField(rng, env);
  }
  if (rng.chance(0.08)) {
    st.NotResource = rng.chance(0.6) ? `arn:aws:kms:${REGION}:${otherAccount(env.resAcct)}:key/*` : [env.target.arn];
  } else {
    st.Resource = genResourceField(rng, env, allowVariables);
  }
  const cp = st.Effect === 'Deny' ? 0.65 : 0.4;
  if (rng.chance(cp)) {
    const c = genCondition(rng, env, { noVariables: !allowVariables });
    if (c) st.Condition = c;
  }
  return st;
}

function pickVersion(rng) {
  return rng.weighted([
    [92, '2012-10-17'],
    [6, '2008-10-17'],
    [2, undefined]
  ]);
}

// Identity, boundary and session policies share one shape.
function genPolicy(rng, env, kind) {
  const version = kind === 'session' ? '2012-10-17' : pickVersion(rng);
  const allowVariables = version === '2012-10-17';
  let n = rng.int(1, 5);
  if (kind !== 'identity') n = rng.int(1, 3);
  const statements = [];
  // Boundaries and session policies are usually broad filters.
  if (kind !== 'identity' && rng.chance(0.6)) {
    statements.push({
      Effect: 'Allow',
      Action: rng.pick([`${env.service}:*`, '*', [`${env.service}:*`, 's3:*']]),
      Resource: '*'
    });
    n -= 1;
  }
  for (let i = 0; i < n; i++) statements.push(genStatement(rng, env, kind, allowVariables));
  if (statements.length === 0) statements.push(genStatement(rng, env, kind, allowVariables));
  const doc = {};
  if (version) doc.Version = version;
  doc.Statement = statements.length === 1 && rng.chance(0.2) ? statements[0] : statements;
  return doc;
}

// Key policy (KMS) or bucket policy (S3).
function genResourcePolicy(rng, env) {
  const { principal, resAcct, service } = env;
  const statements = [];
  const acctPrincipal = rng.pick([rootArn(resAcct), resAcct]);
  const kmsLike = service === 'kms';
  const allActions = kmsLike ? 'kms:*' : 's3:*';
  const resourceStar = kmsLike ? '*' : rng.pick([`arn:aws:s3:::${env.target.arn.split(':::')[1].split('/')[0]}/*`, '*']);

  // "Enable IAM policies": trust the key-owning account.
  if (rng.chance(kmsLike ? 0.6 : 0.3)) {
    statements.push({ Sid: 'EnableIAM', Effect: 'Allow', Principal: { AWS: acctPrincipal }, Action: allActions, Resource: resourceStar });
  }
  // Cross-account trust of the principal's account.
  if (principal.account !== resAcct && rng.chance(0.5)) {
    statements.push({
      Effect: 'Allow',
      Principal: { AWS: rng.pick([rootArn(principal.account), principal.account]) },
      Action: rng.chance(0.5) ? allActions : actionForms(rng, env.action),
      Resource: resourceStar
    });
  }
  // Direct grants to a specific principal (or everyone).
  const n = rng.int(0, 2);
  for (let i = 0; i < n; i++) {
    const who = rng.weighted([
      [25, () => roleArn(principal.account, principal.role ?? rng.pick(ROLES))],
      [15, () => principal.arn],
      [10, () => userArn(principal.account, rng.pick(USERS))],
      [10, () => '*'],
      [10, () => ({ AWS: '*' })],
      [10, () => rootArn(otherAccount(principal.account))],
      [10, () => sessionArn(principal.account, rng.pick(ROLES), rng.pick(SESSION_NAMES))],
      [5, () => [roleArn(principal.account, rng.pick(ROLES)), userArn(principal.account, rng.pick(USERS))]]
    ])();
    const st = {
      Effect: 'Allow',
      Principal: typeof who === 'object' && !Array.isArray(who) ? who : { AWS: who },
      Action: genActionField(rng, env),
      Resource: resourceStar
    };
    if (who === '*' && rng.chance(0.5)) st.Principal = '*';
    if (rng.chance(0.45)) {
      const c = genCondition(rng, env);
      if (c) st.Condition = c;
    }
    statements.push(st);
  }
  if (rng.chance(0.3)) {
    const st = { Effect: 'Deny', Principal: rng.pick(['*', { AWS: '*' }, { AWS: principal.arn }]), Action: genActionField(rng, env), Resource: resourceStar };
    if (rng.chance(0.75)) {
      const c = genCondition(rng, env);
      if (c) st.Condition = c;
    }
    statements.push(st);
  }
  if (statements.length === 0) {
    statements.push({ Effect: 'Allow', Principal: { AWS: acctPrincipal }, Action: allActions, Resource: resourceStar });
  }
  const doc = { Version: '2012-10-17', Statement: statements };
  if (rng.chance(0.2)) doc.Id = 'key-policy-1';
  return doc;
}

function genScpLevels(rng, env) {
  const levels = [];
  const n = rng.chance(0.6) ? 1 : 2;
  for (let i = 0; i < n; i++) {
    const docs = [];
    if (rng.chance(0.8)) {
      docs.push({ Version: '2012-10-17', Statement: [{ Sid: 'FullAWSAccess', Effect: 'Allow', Action: '*', Resource: '*' }] });
    } else {
      docs.push({
        Version: '2012-10-17',
        Statement: [{ Effect: 'Allow', Action: rng.pick([`${env.service}:*`, ['s3:*', 'iam:*'], otherAction(rng)]), Resource: '*' }]
      });
    }
    if (rng.chance(0.35)) {
      const st = {
        Effect: 'Deny',
        Action: rng.chance(0.8) ? actionForms(rng, env.action) : otherAction(rng),
        Resource: rng.pick(['*', env.target.arn])
      };
      if (rng.chance(0.7)) {
        const c = genCondition(rng, env, { noVariables: true });
        if (c) st.Condition = c;
      }
      if (rng.chance(0.2)) {
        delete st.Action;
        st.NotAction = [otherAction(rng)];
      }
      docs.push({ Version: '2012-10-17', Statement: [st] });
    }
    levels.push(docs);
  }
  return levels;
}

// ------------------------------------------------------------------ main

function parseArgs(argv) {
  const opts = { seed: 1, count: 100, stats: false };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--seed') opts.seed = Number(argv[++i]);
    else if (a === '--count') opts.count = Number(argv[++i]);
    else if (a === '--stats') opts.stats = true;
    else if (a === '-h' || a === '--help') {
      process.stdout.write('usage: node gen.mjs --seed N --count K [--stats]\n');
      process.exit(0);
    } else {
      process.stderr.write(`gen: unknown argument ${a}\n`);
      process.exit(2);
    }
  }
  if (!Number.isInteger(opts.seed) || !Number.isInteger(opts.count) || opts.count < 0) {
    process.stderr.write('gen: --seed and --count take integers\n');
    process.exit(2);
  }
  return opts;
}

// A closed pipe (e.g. `| head`) is a normal way to stop reading.
process.stdout.on('error', (e) => {
  if (e.code === 'EPIPE') process.exit(0);
  throw e;
});

const opts = parseArgs(process.argv.slice(2));
const rng = new Rng(opts.seed);
const lines = [];
for (let i = 0; i < opts.count; i++) lines.push(JSON.stringify(genQuery(rng, `s${opts.seed}-${i}`)));
const text = lines.length ? lines.join('\n') + '\n' : '';
process.stdout.write(text);

if (opts.stats) {
  const oracle = fileURLToPath(new URL('./oracle.mjs', import.meta.url));
  const r = spawnSync(process.execPath, [oracle, '--report-ignored'], { input: text, encoding: 'utf8', maxBuffer: 1 << 30 });
  if (r.status !== 0) {
    process.stderr.write(`gen: oracle failed (${r.status}): ${r.stderr}\n`);
    process.exit(1);
  }
  const hist = {};
  const reasons = {};
  let ignored = 0;
  for (const line of r.stdout.split('\n')) {
    if (!line) continue;
    const a = JSON.parse(line);
    const k = a.decision ?? (a.skip !== undefined ? 'skip' : 'error');
    hist[k] = (hist[k] ?? 0) + 1;
    if (a.skip !== undefined || a.error !== undefined) {
      const reason = a.skip !== undefined ? a.skip.split(':')[0] : `error: ${a.error.slice(0, 80)}`;
      reasons[reason] = (reasons[reason] ?? 0) + 1;
    }
    if (a.ignored_context_keys?.length) ignored++;
  }
  const total = opts.count || 1;
  for (const k of ['Allow', 'ExplicitDeny', 'ImplicitDeny', 'skip', 'error']) {
    const n = hist[k] ?? 0;
    process.stderr.write(`${k.padEnd(13)} ${String(n).padStart(6)}  ${((100 * n) / total).toFixed(1)}%\n`);
  }
  for (const [k, n] of Object.entries(reasons).sort((a, b) => b[1] - a[1])) process.stderr.write(`  ${n}\t${k}\n`);
  process.stderr.write(`queries with context keys ignored by the library: ${ignored}\n`);
}
