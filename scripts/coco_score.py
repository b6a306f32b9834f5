#!/usr/bin/env python3
"""Scores a directory written by `attend eval --write-coco DIR` with the official COCO caption toolkit.

    /work/venv-eval/bin/python scripts/coco_score.py DIR [--json]

DIR holds results.json ([{"image_id", "caption"}]) and annotations.json (COCO caption annotations).
Prints BLEU-1..4, METEOR, ROUGE-L and CIDEr (pycocoevalcap's CIDEr is CIDEr-D) on the 0-100 scale,
computed as COCOEvalCap.evaluate() does (PTBTokenizer, then each scorer), without SPICE.
The toolkit has no hallucination metric: when DIR/hallucination.json is there (attend eval writes it beside
the others), its CHAIRi, CHAIRs and object recall of the same captions are printed after the toolkit's scores.
Needs Java (the tokenizer and METEOR are Java programs).
"""
import argparse
import json
import os
import sys

from pycocoevalcap.bleu.bleu import Bleu
from pycocoevalcap.cider.cider import Cider
from pycocoevalcap.meteor.meteor import Meteor
from pycocoevalcap.rouge.rouge import Rouge
from pycocoevalcap.tokenizer.ptbtokenizer import PTBTokenizer


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("dir")
    ap.add_argument("--json", action="store_true", help="print the scores as JSON")
    args = ap.parse_args()

    with open(os.path.join(args.dir, "annotations.json"), encoding="utf-8") as f:
        annotations = json.load(f)
    with open(os.path.join(args.dir, "results.json"), encoding="utf-8") as f:
        results = json.load(f)

    gts, res = {}, {}
    for ann in annotations["annotations"]:
        gts.setdefault(ann["image_id"], []).append({"caption": ann["caption"]})
    for r in results:
        if r["image_id"] in res:
            sys.exit("%s: image %s has more than one caption" % (args.dir, r["image_id"]))
        res[r["image_id"]] = [{"caption": r["caption"]}]
    missing = set(gts) ^ set(res)
    if missing:
        sys.exit("%s: results and annotations cover different images (e.g. %s)" % (args.dir, sorted(missing)[0]))

    tokenizer = PTBTokenizer()
    gts, res = tokenizer.tokenize(gts), tokenizer.tokenize(res)
    scores = {}
    bleu, _ = Bleu(4).compute_score(gts, res, verbose=0)
    for k, b in enumerate(bleu):
        scores["BLEU-%d" % (k + 1)] = 100 * b
    scores["METEOR"] = 100 * Meteor().compute_score(gts, res)[0]
    scores["ROUGE-L"] = 100 * Rouge().compute_score(gts, res)[0]
    scores["CIDEr-D"] = 100 * Cider().compute_score(gts, res)[0]

    hallucination_path = os.path.join(args.dir, "hallucination.json")
    if os.path.exists(hallucination_path):
        with open(hallucination_path, encoding="utf-8") as f:
            hallucination = json.load(f)
        if hallucination["captions"] != len(res):
            sys.exit("%s: CHAIR counts %d captions, results.json %d" % (hallucination_path, hallucination["captions"], len(res)))
        scores["CHAIRi"] = hallucination["chairI"]
        scores["CHAIRs"] = hallucination["chairS"]
        scores["recall"] = hallucination["objectRecall"]

    if args.json:
        print(json.dumps({"images": len(res), **scores}, indent=1))
    else:
        print("images".ljust(12) + str(len(res)))
        for name, value in scores.items():
            print(name.ljust(12) + "%6.2f" % value)


if __name__ == "__main__":
    main()
