#!/usr/bin/env python3
"""Format check for the policy-evaluation case table (tests/policy/cases/*.jsonl).

Checks that every line is one JSON object, ids are unique across all files,
required fields are present with the right types, and expect / expect_stage
values are from the allowed sets. It does not evaluate policies.

Usage: check-format.py [DIR]   (default: the directory of this script)
Exit status: 0 when every file is well formed, 1 otherwise.
"""
import collections
import json
import os
import re
import sys

EXPECT = {"Allow", "ExplicitDeny", "ImplicitDeny", "error"}
STAGES = {"explicit-deny", "scp", "no-allow", "permission-boundary",
          "session-policy", "key-policy", "resource-policy"}
CASE_KEYS = {"id", "rule", "expect", "expect_stage", "note", "query"}
QUERY_REQUIRED = {"principal", "action", "resource"}
QUERY_KEYS = QUERY_REQUIRED | {"resource_account", "context", "identity_policies",
                               "resource_policy", "permission_boundary",
                               "session_policies", "scp_levels"}
FILE_RE = re.compile(r"^\d\d-[a-z0-9-]+\.jsonl$")


def is_doc(v):
    return isinstance(v, (dict, str))


def check_query(qr, where, errs):
    if not isinstance(qr, dict):
        errs.append(f"{where}: query is not an object")
        return
    for k in QUERY_REQUIRED - qr.keys():
        errs.append(f"{where}: query lacks '{k}'")
    for k in qr.keys() - QUERY_KEYS:
        errs.append(f"{where}: unknown query field '{k}'")
    for k in ("principal", "action", "resource", "resource_account"):
        if k in qr and not (isinstance(qr[k], str) and qr[k]):
            errs.append(f"{where}: query.{k} must be a non-empty string")
    if "resource_account" in qr and not re.fullmatch(r"\d{12}", str(qr["resource_account"])):
        errs.append(f"{where}: query.resource_account must be 12 digits")
    if "context" in qr and not isinstance(qr["context"], dict):
        errs.append(f"{where}: query.context must be an object")
    for k in ("identity_policies", "session_policies"):
        if k in qr and not (isinstance(qr[k], list) and all(is_doc(d) for d in qr[k])):
            errs.append(f"{where}: query.{k} must be a list of docs (object or JSON string)")
    for k in ("resource_policy", "permission_boundary"):
        if k in qr and not is_doc(qr[k]):
            errs.append(f"{where}: query.{k} must be a doc (object or JSON string)")
    if "scp_levels" in qr:
        lv = qr["scp_levels"]
        if not (isinstance(lv, list) and all(isinstance(l, list) and all(is_doc(d) for d in l) for l in lv)):
            errs.append(f"{where}: query.scp_levels must be a list of lists of docs")


def main():
    d = sys.argv[1] if len(sys.argv) > 1 else os.path.dirname(os.path.abspath(__file__))
    files = sorted(f for f in os.listdir(d) if f.endswith(".jsonl"))
    if not files:
        print(f"no .jsonl files in {d}")
        return 1
    errs = []
    seen = {}
    per_file = collections.OrderedDict()
    per_expect = collections.Counter()
    per_stage = collections.Counter()
    for fname in files:
        if not FILE_RE.match(fname):
            errs.append(f"{fname}: file name should look like NN-topic.jsonl")
        cnt = collections.Counter()
        with open(os.path.join(d, fname), encoding="utf-8") as fh:
            for ln, line in enumerate(fh, 1):
                where = f"{fname}:{ln}"
                if not line.strip():
                    errs.append(f"{where}: blank line")
                    continue
                try:
                    c = json.loads(line)
                except json.JSONDecodeError as e:
                    errs.append(f"{where}: not valid JSON ({e})")
                    continue
                if not isinstance(c, dict):
                    errs.append(f"{where}: line is not a JSON object")
                    continue
                for k in ("id", "rule", "expect", "query"):
                    if k not in c:
                        errs.append(f"{where}: missing '{k}'")
                for k in c.keys() - CASE_KEYS:
                    errs.append(f"{where}: unknown field '{k}'")
                cid = c.get("id")
                if not (isinstance(cid, str) and cid):
                    errs.append(f"{where}: id must be a non-empty string")
                elif cid in seen:
                    errs.append(f"{where}: duplicate id '{cid}' (first at {seen[cid]})")
                else:
                    seen[cid] = where
                if not (isinstance(c.get("rule"), str) and len(c.get("rule", "")) >= 10):
                    errs.append(f"{where}: rule must be a sentence")
                exp = c.get("expect")
                if exp not in EXPECT:
                    errs.append(f"{where}: expect {exp!r} not in {sorted(EXPECT)}")
                st = c.get("expect_stage")
                if st is not None:
                    if st not in STAGES:
                        errs.append(f"{where}: expect_stage {st!r} not in {sorted(STAGES)}")
                    if exp not in ("ExplicitDeny", "ImplicitDeny"):
                        errs.append(f"{where}: expect_stage given for a non-denial")
                    if exp == "ExplicitDeny" and st != "explicit-deny":
                        errs.append(f"{where}: ExplicitDeny must use stage explicit-deny")
                    if exp == "ImplicitDeny" and st == "explicit-deny":
                        errs.append(f"{where}: ImplicitDeny cannot use stage explicit-deny")
                if "note" in c and not isinstance(c["note"], str):
                    errs.append(f"{where}: note must be a string")
                if "query" in c:
                    check_query(c["query"], where, errs)
                cnt[exp] += 1
                per_expect[exp] += 1
                if st:
                    per_stage[st] += 1
        per_file[fname] = cnt
    w = max(len(f) for f in files)
    for fname, cnt in per_file.items():
        detail = ", ".join(f"{k} {cnt[k]}" for k in sorted(cnt, key=str))
        print(f"{fname:<{w}}  {sum(cnt.values()):4d}  ({detail})")
    print(f"{'total':<{w}}  {sum(per_expect.values()):4d}")
    print("by expect: " + ", ".join(f"{k} {per_expect[k]}" for k in sorted(per_expect, key=str)))
    print("by expect_stage: " + ", ".join(f"{k} {per_stage[k]}" for k in sorted(per_stage)))
    if errs:
        print(f"\n{len(errs)} problem(s):")
        for e in errs:
            print("  " + e)
        return 1
    print("format OK")
    return 0


if __name__ == "__main__":
    sys.exit(main())
