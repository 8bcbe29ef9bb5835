"""Validate answer sidecars in a folder: python3 validate.py DIR"""
import json, sys, tomllib, pathlib
d = pathlib.Path(sys.argv[1])
bad = 0
for j in sorted(d.glob("*.json")):
    lab = json.loads(j.read_text())
    r = tomllib.load(open(f"rubrics/{lab['rubric']}.toml", "rb"))
    crit = {c["id"]: {i["id"] for i in c["checklist"]} for c in r["criteria"]}
    qs = {q["id"] for q in r["questions"]}
    errs = []
    if lab["question"] not in qs: errs.append("question")
    if lab.get("split") not in ("dev", "heldout"): errs.append("split")
    if lab.get("tier") not in (1, 2, 3, 4): errs.append("tier")
    for k in ("kind", "style"):
        if not isinstance(lab.get(k), str): errs.append(k)
    exp = lab.get("expected", {})
    if set(exp) != set(crit): errs.append(f"expected keys {set(crit) ^ set(exp)}")
    for k, v in exp.items():
        if v is not None and not (isinstance(v, list) and len(v) == 2 and 1 <= v[0] <= v[1] <= 4): errs.append(f"band {k}")
    for it in lab.get("items", []):
        c, _, i = it.partition("/")
        if i not in crit.get(c, ()): errs.append(f"item {it}")
    if not j.with_suffix(".txt").exists(): errs.append("no .txt")
    if errs: bad += 1; print(j.name, errs)
print(f"{len(list(d.glob('*.json')))} sidecars, {bad} with errors")
