#!/usr/bin/env python3
"""Runs the policy case table (tests/policy/cases/*.jsonl) through
`cmkgate policy eval --batch` and prints TAP: one line per case.

usage: run-cases.py CMKGATE CASES-DIR
"""
import glob
import json
import os
import subprocess
import sys


def main():
    if len(sys.argv) != 3:
        print(__doc__.strip().splitlines()[-1], file=sys.stderr)
        return 2
    cmkgate, cases_dir = sys.argv[1], sys.argv[2]
    cases = []
    for path in sorted(glob.glob(os.path.join(cases_dir, '*.jsonl'))):
        with open(path) as f:
            for n, line in enumerate(f, 1):
                if line.strip():
                    case = json.loads(line)
                    case['_where'] = f'{os.path.basename(path)}:{n}'
                    cases.append(case)
    if not cases:
        print('Bail out! no cases found in ' + cases_dir)
        return 1
    batch = ''.join(json.dumps(dict(c['query'], id=c['id'])) + '\n' for c in cases)
    p = subprocess.run([cmkgate, 'policy', 'eval', '--batch', '-'], input=batch.encode(),
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    if p.returncode not in (0, 1):
        print(f'Bail out! cmkgate exited {p.returncode}: {p.stderr.decode()}')
        return 1
    answers = [json.loads(line) for line in p.stdout.decode().splitlines()]
    if len(answers) != len(cases):
        print(f'Bail out! {len(cases)} cases but {len(answers)} answers')
        return 1
    print(f'1..{len(cases)}')
    failed = 0
    for i, (case, ans) in enumerate(zip(cases, answers), 1):
        got = 'error' if 'error' in ans else ans.get('decision')
        problems = []
        if ans.get('id') != case['id']:
            problems.append(f"answer id {ans.get('id')!r}")
        if got != case['expect']:
            problems.append(f"decision {got}, expected {case['expect']}")
        if 'expect_stage' in case and got != 'error':
            expl = ans.get('explanation') or [{}]
            stage = expl[0].get('stage') if expl[0].get('decisive') else None
            if stage != case['expect_stage']:
                problems.append(f"stage {stage}, expected {case['expect_stage']}")
        if problems:
            failed += 1
            print(f"not ok {i} - {case['id']} ({case['_where']}): {'; '.join(problems)}")
            print(f"  # rule: {case['rule']}")
            print(f"  # answer: {json.dumps(ans)[:800]}")
        else:
            print(f"ok {i} - {case['id']}: {case['rule'][:100]}")
    return 1 if failed else 0


if __name__ == '__main__':
    sys.exit(main())
