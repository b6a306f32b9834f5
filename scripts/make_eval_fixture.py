#!/usr/bin/env python3
"""Regenerates Tests/AttendEvalTests/Fixtures/caption_metrics.json.

The captions are made up here from a small grammar (no dataset text), then scored by the official COCO
caption toolkit (pycocoevalcap: Stanford PTBTokenizer, BLEU, ROUGE-L, CIDEr(-D), METEOR), and stored
with the tokenizer's output for every sentence. The Swift tests read the file and must agree.

    python3 -m venv /work/venv-eval && /work/venv-eval/bin/pip install pycocoevalcap
    /work/venv-eval/bin/python scripts/make_eval_fixture.py            # needs Java

Options:
    --out PATH           where to write the fixture (default: the test fixture path)
    --ptb-check RAW OUT  instead: tokenize each line of RAW with the toolkit's tokenizer and write
                         `raw<TAB>tokens` lines to OUT, for the optional ATTEND_PTB_CHECK Swift test
"""
import argparse
import json
import os
import random
import sys

from pycocoevalcap.bleu.bleu import Bleu
from pycocoevalcap.cider.cider import Cider
from pycocoevalcap.meteor.meteor import Meteor
from pycocoevalcap.rouge.rouge import Rouge
from pycocoevalcap.tokenizer.ptbtokenizer import PTBTokenizer

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DEFAULT_OUT = os.path.join(ROOT, "Tests", "AttendEvalTests", "Fixtures", "caption_metrics.json")
SEED = 20150210  # fixed: the fixture must be reproducible byte for byte

# ---------------------------------------------------------------------------------------------------
# Grammar: a handful of words that make caption-like sentences, plus the decorations that exercise
# the PTB tokenizer (contractions, possessives, hyphens, quotes, brackets, abbreviations, numbers,
# unicode, punctuation).

SUBJECTS = ["a dog", "a brown dog", "two dogs", "a small child", "a girl", "a boy", "a man", "a woman",
            "three people", "a little girl", "the players", "a cyclist", "a black cat", "an old man"]
VERBS = ["runs", "is running", "jumps", "is jumping", "plays", "sits", "is sitting", "walks",
         "is standing", "climbs", "rides", "swims", "is looking"]
PLACES = ["on the grass", "in the snow", "through the water", "on a beach", "near a tree",
          "in front of a building", "on the street", "in a park", "down a hill", "over a fence",
          "by the lake", "under a bridge"]
OBJECTS = ["with a ball", "with a stick", "with a frisbee", "with a red toy", "holding a sign",
           "wearing a hat", "in a blue shirt", "with its owner"]
HYPHENATED = ["t-shirt", "three-year-old", "black-and-white", "well-known", "x-ray", "co-op",
              "high-five", "1-800-555-1212", "3.5-inch", "a_b"]
POSSESSIVES = ["dog's", "man's", "children's", "kids'", "boys'", "its", "James's", "t-shirt's"]
CONTRACTIONS = ["isn't", "doesn't", "can't", "won't", "it's", "he's", "they're", "I'm", "we've",
                "she'll", "you'd", "don't", "CAN'T", "ain't", "don’t", "it’s", "shan't"]
QUOTED = ["\"stop\"", "'hello'", "``yes''", "“welcome”", "‘go’", "«halt»", "\" open \""]
BRACKETS = ["(left)", "[right]", "{center}", "( maybe )", "a(b)c"]
ABBREVIATIONS = ["Mr.", "Dr.", "St.", "U.S.", "e.g.", "Mt.", "Inc.", "etc.", "vs.", "a.m.", "Miss.",
                 "miss.", "no. 5", "i.e."]
NUMBERS = ["2.5", "10:30", "1,000", "3/4", "50%", "$5", "#1", "-5", "+3", ".5", "1990s", "'90s", "2nd"]
UNICODE = ["café", "naïve", "über", "señor", "—", "–", "…", "façade", "Zoë", "smörgåsbord"]
APOSTROPHE_WORDS = ["o'clock", "O'Neil", "rock'n'roll", "y'all", "'em", "ne'er", "d'oh", "j'ai",
                    "'tis", "l'amour", "shi'ite", "dogs'", "'cause"]
ASSIMILATIONS = ["gonna", "gotta", "wanna", "cannot", "gimme", "lemme", "Cannot"]
SYMBOLS = ["AT&T", "Q&A", "rock&roll", "a/b", "50/50", "a*b", "**", "a=b", "@name", "#tag", "&amp;",
           "wow!!", "what?!", "hello.world", "end...", "--", "-", ":", ";", "x-"]
DECORATIONS = [HYPHENATED, POSSESSIVES, CONTRACTIONS, QUOTED, BRACKETS, ABBREVIATIONS, NUMBERS,
               UNICODE, APOSTROPHE_WORDS, ASSIMILATIONS, SYMBOLS]
ENDINGS = [" .", ".", "", "!", " !", "?", " ...", ",", " ."]


def sentence(rng, decorate):
    words = [rng.choice(SUBJECTS), rng.choice(VERBS), rng.choice(PLACES)]
    if rng.random() < 0.5:
        words.append(rng.choice(OBJECTS))
    text = " ".join(words)
    if rng.random() < 0.2:
        text = text[0].upper() + text[1:]
    if decorate:
        for _ in range(rng.randint(1, 2)):
            extra = rng.choice(rng.choice(DECORATIONS))
            parts = text.split(" ")
            parts.insert(rng.randint(1, len(parts)), extra)
            text = " ".join(parts)
    if rng.random() < 0.3:
        text = text.replace(" , ", ", ").replace(" a ", ", a ", 1)
    return text + rng.choice(ENDINGS)


def perturb(rng, text):
    """A prediction near a reference: drop, repeat or swap words."""
    words = text.split(" ")
    for _ in range(rng.randint(0, 3)):
        op = rng.random()
        i = rng.randrange(len(words))
        if op < 0.4 and len(words) > 2:
            del words[i]
        elif op < 0.7:
            words.insert(i, words[i])
        else:
            words[i] = rng.choice(rng.choice([SUBJECTS, VERBS, PLACES])).split(" ")[-1]
    return " ".join(words)


def make_items():
    rng = random.Random(SEED)
    items = []
    for i in range(320):
        n_refs = [1, 2, 3, 4, 5][i % 5] if i % 7 else rng.randint(1, 5)
        refs = [sentence(rng, decorate=rng.random() < 0.6) for _ in range(n_refs)]
        kind = rng.random()
        if kind < 0.35:
            pred = perturb(rng, rng.choice(refs))
        elif kind < 0.5:
            pred = rng.choice(refs)
        else:
            pred = sentence(rng, decorate=rng.random() < 0.4)
        items.append({"image": "img%03d" % i, "references": refs, "prediction": pred})
    # Edge cases, placed in the middle so no empty line ends the tokenizer's input.
    edges = [
        ("", ["a dog runs on the grass .", "a brown dog is running ."]),                      # empty caption
        ("a dog a dog a dog runs runs on the grass grass in the park near a tree by the lake under a bridge "
         "with a ball with a stick", ["a dog runs .", "the dog is running on grass ."]),       # longer than every ref
        ("a girl is climbing a tree .", ["A girl is climbing a tree."]),                       # single reference, identical
        ("a man .", ["a man ."]),                                                              # one reference, two words
        ("dog", ["dog", "a dog"]),                                                             # one word
        ("... !!! ?", ["a cat sits .", "a black cat is sitting on a fence ."]),                # punctuation only
        ("the café's naïve señor can't stop — he's gonna (maybe) win “big”!",
         ["The café's naïve señor cannot stop -- he is going to win \"big\" .", "A señor in a café ."]),
        ("a three-year-old isn't wearing her t-shirt ; it's 10:30 a.m. in the U.S.",
         ["A three-year-old isn't wearing a t-shirt at 10:30 a.m.", "a child's t-shirt (red) ."]),
        ("kids' toys , o'clock rock'n'roll y'all", ["kids ' toys and rock 'n' roll ."]),
        ("zoë and josé 's smörgåsbord", ["Zoë and José's smörgåsbord .", "Zoë eats ."]),
        ("a a a a a a a a", ["a", "a a", "a a a a a a a a a a a a a a a a"]),
        ("AT&T Q&A 50/50 $5 #1 2.5 1,000", ["at & t q & a fifty fifty five dollars number one ."]),
    ]
    for k, (pred, refs) in enumerate(edges):
        items.insert(7 + 23 * k, {"image": "edge%02d" % k, "references": refs, "prediction": pred})
    return items


# ---------------------------------------------------------------------------------------------------
# Scoring with the official toolkit, as COCOEvalCap.evaluate() does it (without SPICE).

def tokenize(items):
    tokenizer = PTBTokenizer()
    gts = tokenizer.tokenize({it["image"]: [{"caption": c} for c in it["references"]] for it in items})
    res = tokenizer.tokenize({it["image"]: [{"caption": it["prediction"]}] for it in items})
    return gts, res


def score(gts, res, ids, with_meteor=True):
    gts = {i: gts[i] for i in ids}
    res = {i: res[i] for i in ids}
    bleu, _ = Bleu(4).compute_score(gts, res, verbose=0)
    rouge, rouge_each = Rouge().compute_score(gts, res)
    cider, cider_each = Cider().compute_score(gts, res)
    out = {
        "bleu": [100 * b for b in bleu],
        "rougeL": 100 * float(rouge),
        "ciderD": 100 * float(cider),
        "perImageRougeL": {i: 100 * float(v) for i, v in zip(gts.keys(), rouge_each)},
        "perImageCiderD": {i: 100 * float(v) for i, v in zip(gts.keys(), cider_each)},
    }
    if with_meteor:
        meteor, _ = Meteor().compute_score(gts, res)
        out["meteor"] = 100 * float(meteor)
    return out


def make_fixture(out_path):
    items = make_items()
    gts, res = tokenize(items)
    for it in items:
        it["referenceTokens"] = gts[it["image"]]
        it["predictionTokens"] = res[it["image"]][0]
    ids = [it["image"] for it in items]
    subsets = [
        ("all", ids),
        ("first40", ids[:40]),
        ("edgeCases", [i for i in ids if i.startswith("edge")]),
        ("oneImage", ids[3:4]),
    ]
    fixture = {
        "about": "Captions generated by scripts/make_eval_fixture.py from a small grammar; expected values "
                 "from pycocoevalcap (PTBTokenizer, Bleu(4), Rouge, Cider, Meteor), all on the 0-100 scale.",
        "items": items,
        "subsets": [dict(name=name, images=sub, **score(gts, res, sub, with_meteor=(name == "all")))
                    for name, sub in subsets],
    }
    with open(out_path, "w", encoding="utf-8") as f:
        json.dump(fixture, f, ensure_ascii=False, indent=1)
        f.write("\n")
    print("wrote %s: %d items" % (out_path, len(items)))
    for s in fixture["subsets"]:
        print("  %-10s BLEU %s ROUGE-L %.4f CIDEr-D %.4f" % (s["name"], " ".join("%.4f" % b for b in s["bleu"]),
                                                            s["rougeL"], s["ciderD"]))


def ptb_check(raw_path, out_path):
    lines = open(raw_path, encoding="utf-8").read().split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    lines = [l for l in lines if l.strip()]
    toks = PTBTokenizer().tokenize({i: [{"caption": l}] for i, l in enumerate(lines)})
    with open(out_path, "w", encoding="utf-8") as f:
        for i, l in enumerate(lines):
            f.write("%s\t%s\n" % (l.replace("\t", " "), toks[i][0]))
    print("wrote %s: %d lines" % (out_path, len(lines)))


if __name__ == "__main__":
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out", default=DEFAULT_OUT)
    ap.add_argument("--ptb-check", nargs=2, metavar=("RAW", "OUT"))
    args = ap.parse_args()
    if args.ptb_check:
        ptb_check(*args.ptb_check)
    else:
        make_fixture(args.out)
