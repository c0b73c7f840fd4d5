#!/usr/bin/env python3
"""Differential test: cmkgate policy eval against @cloud-copilot/iam-simulate.

Generates random queries (gen.mjs), answers them with the oracle
(oracle.mjs) and with `cmkgate policy eval --batch`, and fails on every
disagreement that known-differences.json does not list with a reason -- and
on every listed one that no longer happens, so the list stays true.

usage: run-diff.py CMKGATE [--seeds 1,2,3] [--count 2000]
"""
import json
import os
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))


def run(argv, stdin_path, stdout_path):
    with open(stdin_path, 'rb') as fin, open(stdout_path, 'wb') as fout:
        p = subprocess.run(argv, stdin=fin, stdout=fout, stderr=subprocess.PIPE)
    return p.returncode, p.stderr.decode(errors='replace')


def read_lines(path):
    with open(path) as f:
        return [json.loads(line) for line in f if line.strip()]


def main():
    args = sys.argv[1:]
    if not args or args[0].startswith('-'):
        print(__doc__.strip().splitlines()[-1], file=sys.stderr)
        return 2
    cmkgate = args[0]
    seeds, count = [1, 2, 3], 2000
    i = 1
    while i < len(args):
        if args[i] == '--seeds':
            seeds = [int(s) for s in args[i + 1].split(',')]
        elif args[i] == '--count':
            count = int(args[i + 1])
        else:
            print(f'unknown argument {args[i]}', file=sys.stderr)
            return 2
        i += 2
    if not os.path.isdir(os.path.join(HERE, 'node_modules', '@cloud-copilot', 'iam-simulate')):
        print('not ok - iam-simulate is not installed: run contrib/dev setup '
              '(npm ci in tests/policy/diff)')
        return 1
    with open(os.path.join(HERE, 'known-differences.json')) as f:
        known = json.load(f)
    listed = {(c['seed'], c['id']): c for c in known['cases']}
    for c in known['cases']:
        if c['category'] not in known['categories']:
            print(f"not ok - known difference {c['id']} has no category reason")
            return 1

    failures, seen_listed = [], set()
    totals = {'queries': 0, 'skipped': 0, 'agree': 0, 'known': 0}
    with tempfile.TemporaryDirectory() as tmp:
        for seed in seeds:
            q = os.path.join(tmp, f'q{seed}.jsonl')
            o = os.path.join(tmp, f'o{seed}.jsonl')
            c = os.path.join(tmp, f'c{seed}.jsonl')
            with open(q, 'wb') as fq:
                subprocess.run(['node', os.path.join(HERE, 'gen.mjs'), '--seed', str(seed),
                                '--count', str(count)], stdout=fq, check=True)
            rc, err = run(['node', os.path.join(HERE, 'oracle.mjs')], q, o)
            if rc != 0:
                print(f'not ok - oracle failed on seed {seed}: {err}')
                return 1
            rc, err = run([cmkgate, 'policy', 'eval', '--batch', '-'], q, c)
            if rc not in (0, 1):
                print(f'not ok - cmkgate exited {rc} on seed {seed}: {err}')
                return 1
            queries, oracle, ours = read_lines(q), read_lines(o), read_lines(c)
            if not (len(queries) == len(oracle) == len(ours)):
                print(f'not ok - seed {seed}: {len(queries)} queries, {len(oracle)} oracle '
                      f'answers, {len(ours)} cmkgate answers')
                return 1
            for qq, a, b in zip(queries, oracle, ours):
                totals['queries'] += 1
                if a.get('id') != qq['id'] or b.get('id') != qq['id']:
                    print(f"not ok - answers out of order at {qq['id']}")
                    return 1
                if 'skip' in a:
                    totals['skipped'] += 1
                    continue
                theirs = a.get('decision', 'error')
                mine = b.get('decision', 'error')
                key = (seed, qq['id'])
                if theirs == mine:
                    totals['agree'] += 1
                    continue
                entry = listed.get(key)
                if entry and entry['oracle'] == theirs and entry['cmkgate'] == mine:
                    totals['known'] += 1
                    seen_listed.add(key)
                    continue
                failures.append((qq, a, b))

    stale = [k for k in listed if k[0] in seeds and k not in seen_listed]
    for qq, a, b in failures:
        print(f"not ok - {qq['id']}: iam-simulate {a.get('decision', a.get('error'))}, "
              f"cmkgate {b.get('decision', b.get('error'))}")
        print('  # cmkgate: ' + json.dumps(b)[:600])
        print('  # query: ' + json.dumps(qq)[:3000])
    for k in stale:
        print(f'not ok - known difference seed {k[0]} {k[1]} no longer happens: '
              'remove it from known-differences.json')
    print(f"# {totals['queries']} queries, {totals['agree']} agree, {totals['known']} known "
          f"differences, {totals['skipped']} skipped by the oracle (see README.md), "
          f"{len(failures)} unexplained, {len(stale)} stale")
    if totals['agree'] < totals['queries'] * 0.9:
        print('not ok - fewer than 90% of queries were compared')
        return 1
    if failures or stale:
        return 1
    print('ok - cmkgate agrees with iam-simulate on every query not listed')
    return 0


if __name__ == '__main__':
    sys.exit(main())
