"""Print a rubric for answer writers: criteria, checklist items, anchors, questions.
Evidence phrase lists are deliberately omitted so writers do not echo them."""
import sys, tomllib
rubric_id = sys.argv[1]
questions = set(sys.argv[2:])
r = tomllib.load(open(f"rubrics/{rubric_id}.toml", "rb"))
print(f"RUBRIC {r['id']}: {r['title']} -- {r.get('description','')}")
print("levels:", r.get("levels"))
for c in r["criteria"]:
    print(f"\nCRITERION {c['id']}: {c['title']} -- {c['description']}")
    for k, v in c["anchors"].items():
        print(f"  {k}: {v}")
    for i in c["checklist"]:
        print(f"  ITEM {c['id']}/{i['id']} (supports level {i.get('supports_level')}): {i['description']}")
for q in r["questions"]:
    if questions and q["id"] not in questions:
        continue
    print(f"\nQUESTION {q['id']}: {q['title']}\n  prompt: {q['prompt']}")
    for m in q.get("model_answer", []):
        print("  outline:", m)
