#!/usr/bin/env python3
"""Makes data/imagenet-words.tsv: for each of the 1,000 ImageNet classes, the plain caption word that names it
(or nothing), the other caption words that name the same thing, and the broad kind of thing it is.

    pip download --no-deps -d /tmp/timm timm && unzip -o /tmp/timm/timm-*.whl 'timm/data/_info/*' -d /tmp/timm
    apt-get install wordnet                       # WordNet 3.0, whose noun offsets are ImageNet's wnids
    python3 scripts/make_class_table.py --synsets /tmp/timm/timm/data/_info/imagenet_synsets.txt \\
        --corpus ../shared/data/flickr8k/Flickr8k.token.txt ../shared/data/caption-text/*.tsv \\
        --out data/imagenet-words.tsv

The table's own wnid column is the same class list, for a rebuild without timm:
`grep -v '^#' data/imagenet-words.tsv | cut -f2 > /tmp/synsets.txt`; the rebuilt table is byte for byte the committed one.

How a class finds its word, nearest first:
1. A hand-reviewed override (OVERRIDES below, by wnid) decides outright; "" maps the class to nothing.
2. A group: when the class lies under one of GROUPS' synsets (every dog breed under dog.n.01), the group's word.
3. Otherwise the class's own lemmas, then its hypernyms' (breadth first, at most MAX_DEPTH levels up): the first
   lemma that captions use at least MIN_COUNT times (as a whole token sequence, tokenised as attend tokenises
   captions) and that is not too generic to name a thing in a photo (GENERIC).
A class whose search finds nothing maps to nothing. The "also" column lists the other caption words for the same
thing: the word's regular plural and the frequent lemmas of its synset's hyponyms (for "dog": "dogs", "puppy", ...);
a caption that writes any of them names the class's word. The "kind" column names the broad kind of thing the class
is, when it lies under one of KINDS' synsets (every animal class is under animal.n.01): grounded decoding judges a
word whose classes are all of one kind by that kind's whole mass as well as by its own (docs/GROUNDING.md).

The class list (wnids in the classifier's order) comes from timm's imagenet_synsets.txt (Apache-2.0); the names and
the hypernym graph from WordNet 3.0 (Princeton University, WordNet 3.0 licence). The word counts come from caption
text that stays outside the repository: only the table is committed.
"""
import argparse, collections, re

MIN_COUNT = 20
MAX_DEPTH = 6

# Hypernyms whose lemmas are too vague to name what is in a photo.
GENERIC = {
    "animal", "organism", "being", "object", "thing", "whole", "artifact", "artefact", "entity", "device",
    "instrumentality", "instrumentation", "structure", "construction", "container", "covering", "equipment",
    "implement", "material", "matter", "substance", "food", "nutrient", "commodity", "article", "unit", "system",
    "creation", "product", "way", "area", "region", "location", "place", "geological formation", "formation",
    "natural object", "invertebrate", "vertebrate", "chordate", "mammal", "placental", "carnivore", "canine",
    "feline", "primate", "ungulate", "even-toed ungulate", "odd-toed ungulate", "rodent", "arthropod", "mollusk",
    "crustacean", "reptile", "amphibian", "insect", "conveyance", "transport", "wheeled vehicle",
    "self-propelled vehicle", "motor vehicle", "craft", "vessel", "mechanism", "machine", "tool", "top",
    "line", "piece", "part", "portion", "set", "game", "plant", "vascular plant", "fungus", "produce",
    "edible fruit", "dish", "foodstuff", "food product", "beverage", "drink", "fabric", "cloth", "clothing",
    "garment", "wear", "apparel", "consumer goods", "furnishing", "furniture", "piece of furniture",
    "home appliance", "appliance", "electrical device", "electronic equipment", "support", "shelter",
    "protective covering", "headdress", "headgear", "footwear", "decoration", "ornament", "sheet",
    "surface", "board", "stick", "rod", "bar", "box", "case", "bag", "receptacle", "vehicle", "room", "building",
    "stand", "frame", "group", "mass", "body", "person", "sport", "activity", "ball", "toy", "plaything",
    "fruit", "vegetable", "bird", "fish", "dog", "cat", "snake", "lizard", "insect", "spider", "monkey", "ape",
    "good", "goods", "protection", "fixing", "instrument", "musical instrument", "barrier", "wheel", "shop",
    "store", "weight", "wood", "theater", "cap", "screen", "roof", "pot", "crab", "vehicle", "bottle", "tie",
}
# GENERIC's last words ("ball", "fruit", "bird", ...) are fine words, but too broad to reach by climbing: a
# "cup" of coffee must not become "container", and a golf ball's word is its own.
CLIMB_OK = {"bird", "fish", "snake", "lizard", "spider", "monkey", "ape", "ball", "fruit", "vegetable", "toy",
            "insect", "boat", "ship", "car", "truck", "bus", "train", "airplane", "plane", "bear", "horse"}

# Groups whose every member is called by one word in captions (synset offsets in WordNet 3.0).
GROUPS = [   # (lemma, WordNet sense number, word)
    ("dog", 1, "dog"), ("domestic_cat", 1, "cat"), ("fox", 1, "fox"), ("wolf", 1, "wolf"),
    ("bird", 1, "bird"), ("snake", 1, "snake"), ("turtle", 1, "turtle"), ("lizard", 1, "lizard"),
    ("fish", 1, "fish"), ("butterfly", 1, "butterfly"), ("spider", 1, "spider"), ("monkey", 1, "monkey"),
    ("bear", 1, "bear"), ("cattle", 1, "cow"), ("truck", 1, "truck"), ("car", 1, "car"), ("bus", 1, "bus"),
    ("airplane", 1, "airplane"), ("ship", 1, "ship"), ("boat", 1, "boat"), ("bicycle", 1, "bicycle"),
    ("locomotive", 1, "train"), ("mushroom", 2, "mushroom"), ("piano", 1, "piano"), ("guitar", 1, "guitar"),
]

# Hand review of the generated table, by class name (the class's first WordNet lemma, as in the table's "class"
# column; a name ImageNet uses twice is followed by its wnid); "" maps the class to nothing.
OVERRIDES = {
    "espresso": "coffee", "cup": "cup", "coffee mug": "mug", "coffeepot": "coffee pot",
    "space shuttle": "space shuttle", "airliner": "airplane", "warplane": "airplane", "airship": "blimp",
    "missile": "rocket", "projectile": "rocket", "banana": "banana", "broccoli": "broccoli", "pizza": "pizza",
    "hotdog": "hot dog", "cheeseburger": "hamburger", "French loaf": "bread", "bagel": "bagel", "pretzel": "pretzel",
    "orange": "orange", "lemon": "lemon", "pineapple": "pineapple", "strawberry": "strawberry",
    "Granny Smith": "apple", "bell pepper": "pepper", "cucumber": "cucumber", "zucchini": "zucchini",
    "head cabbage": "cabbage", "cauliflower": "cauliflower", "mashed potato": "potatoes", "plate": "plate",
    "ice cream": "ice cream", "ice lolly": "popsicle", "red wine": "wine", "wine bottle": "wine",
    "beer bottle": "beer", "beer glass": "beer", "pop bottle": "bottle", "water bottle": "bottle",
    "pill bottle": "bottle", "microwave": "microwave", "refrigerator": "refrigerator",
    "dishwasher": "dishwasher", "toaster": "toaster", "stove": "stove", "soccer ball": "soccer ball",
    "baseball": "baseball", "basketball": "basketball", "golf ball": "golf ball", "rugby ball": "football",
    "volleyball": "volleyball", "tennis ball": "tennis ball", "ping-pong ball": "ping pong ball",
    "football helmet": "helmet", "crash helmet": "helmet", "ski": "ski", "snowmobile": "snowmobile",
    "mountain bike": "bicycle", "bicycle-built-for-two": "bicycle", "tricycle": "tricycle",
    "unicycle": "unicycle", "moped": "motorcycle", "motor scooter": "scooter", "jeep": "jeep",
    "sports car": "car", "convertible": "car", "minivan": "van", "racer": "race car", "cab": "taxi",
    "limousine": "limousine", "police van": "police car", "ambulance": "ambulance", "fire engine": "fire truck",
    "school bus": "school bus", "trolleybus": "bus", "minibus": "bus", "recreational vehicle": "camper",
    "streetcar": "trolley", "passenger car": "train", "freight car": "train", "electric locomotive": "train",
    "steam locomotive": "train", "gondola": "gondola", "canoe": "canoe", "lifeboat": "boat", "speedboat": "boat",
    "fireboat": "boat", "catamaran": "boat", "trimaran": "boat", "schooner": "sailboat", "yawl": "sailboat",
    "liner": "ship", "container ship": "ship", "aircraft carrier": "ship", "pirate": "ship",
    "tank": "tank", "forklift": "forklift", "lawn mower": "lawn mower", "tractor": "tractor",
    "harvester": "tractor", "snowplow": "snowplow", "horse cart": "horse", "oxcart": "cart",
    "shopping cart": "shopping cart", "barrow": "wheelbarrow", "go-kart": "go-kart", "golfcart": "golf cart",
    "jinrikisha": "rickshaw", "tow truck": "truck", "trailer truck": "truck", "garbage truck": "truck",
    "pickup": "truck", "moving van": "truck", "mobile home": "trailer", "Model T": "car", "half track": "truck",
    "beach wagon": "car", "amphibian": "vehicle", "rocking chair": "rocking chair", "folding chair": "chair",
    "barber chair": "chair", "throne": "throne", "dining table": "table", "studio couch": "couch",
    "desk": "desk", "table lamp": "lamp", "lampshade": "lamp", "monitor": "monitor", "screen": "screen",
    "television": "television", "laptop": "laptop", "notebook": "laptop", "desktop computer": "computer",
    "computer keyboard": "keyboard", "mouse": "mouse", "remote control": "remote", "cellular telephone": "phone",
    "dial telephone": "phone", "pay-phone": "phone", "wall clock": "clock", "analog clock": "clock",
    "digital clock": "clock", "digital watch": "watch", "park bench": "bench", "street sign": "sign",
    "traffic light": "traffic light", "parking meter": "parking meter", "chainlink fence": "fence",
    "picket fence": "fence", "worm fence": "fence", "stone wall": "wall", "toilet seat": "toilet",
    "toilet tissue": "toilet paper", "washbasin": "sink", "bathtub": "bathtub", "tub": "tub",
    "shower curtain": "shower curtain", "teddy": "teddy bear", "umbrella": "umbrella", "backpack": "backpack",
    "mailbag": "bag", "purse": "purse", "wallet": "wallet", "sunglasses": "sunglasses",
    "sunglass": "sunglasses", "Windsor tie": "tie", "bow tie": "bow tie", "kimono": "kimono", "jersey": "shirt",
    "sweatshirt": "sweatshirt", "cardigan": "sweater", "trench coat": "coat", "fur coat": "coat",
    "military uniform": "uniform", "swimming trunks": "swim trunks", "maillot": "swimsuit", "bikini": "bikini",
    "miniskirt": "skirt", "cowboy hat": "cowboy hat", "sombrero": "sombrero", "mortarboard": "graduation cap",
    "scuba diver": "scuba diver", "groom": "groom", "ballplayer": "baseball player", "seashore": "beach",
    "lakeside": "lake", "valley": "valley", "cliff": "cliff", "alp": "mountain", "volcano": "volcano",
    "promontory": "cliff", "sandbar": "sand", "coral reef": "reef", "geyser": "geyser", "daisy": "daisy",
    "pot": "plant", "vase": "vase", "book jacket": "book", "library": "library", "bookshop": "bookstore",
    "restaurant": "restaurant", "bakery": "bakery", "grocery store": "grocery store", "toyshop": "store",
    "tobacco shop": "store", "butcher shop": "butcher shop", "confectionery": "candy store", "barbershop": "barber",
    "cinema": "theater", "church": "church", "mosque": "mosque", "palace": "palace", "castle": "castle",
    "triumphal arch": "arch", "steel arch bridge": "bridge", "suspension bridge": "bridge", "viaduct": "bridge",
    "pier": "pier", "boathouse": "boathouse", "fountain": "fountain", "carousel": "carousel", "yurt": "tent",
    "mountain tent": "tent", "racket": "racket", "paddle": "paddle",
    "swing": "swing", "balance beam": "balance beam", "parallel bars": "parallel bars", "horizontal bar": "bar",
    "punching bag": "punching bag", "dumbbell": "dumbbell", "barbell": "barbell", "snorkel": "snorkel",
    "ski mask": "ski mask", "knee pad": "knee pad", "acoustic guitar": "guitar", "electric guitar": "guitar",
    "banjo": "banjo", "cello": "cello", "violin": "violin", "grand piano": "piano", "upright": "piano",
    "drum": "drum", "accordion": "accordion", "harmonica": "harmonica", "sax": "saxophone",
    "trombone": "trombone", "cornet": "trumpet", "French horn": "horn", "flute": "flute", "microphone": "microphone",
    "loudspeaker": "speaker", "kite": "", "drilling platform": "", "bobsled": "sled", "dogsled": "sled",
    "crane": "", "hay": "hay", "corn": "corn", "ear": "corn", "acorn": "acorn", "pomegranate": "pomegranate",
    "hen": "chicken", "cock": "rooster", "goose": "goose", "black swan": "swan", "pelican": "pelican",
    "flamingo": "flamingo", "king penguin": "penguin", "ostrich": "ostrich", "peacock": "peacock",
    "bald eagle": "eagle", "great grey owl": "owl", "macaw": "parrot", "toucan": "toucan", "hummingbird": "bird",
    "sorrel": "horse", "zebra": "zebra", "African elephant": "elephant", "Indian elephant": "elephant",
    "tusker": "elephant", "giant panda": "panda", "lesser panda": "red panda", "brown bear": "bear",
    "American black bear": "bear", "ice bear": "polar bear", "sloth bear": "bear", "ox": "cow", "ram": "sheep",
    "bighorn": "sheep", "llama": "llama", "Arabian camel": "camel", "hog": "pig",
    "wild boar": "boar", "hippopotamus": "hippo", "tiger": "tiger", "lion": "lion", "leopard": "leopard",
    "cheetah": "cheetah", "jaguar": "jaguar", "snow leopard": "leopard", "cougar": "cougar", "lynx": "lynx",
    "hare": "rabbit", "wood rabbit": "rabbit", "Angora": "rabbit", "squirrel monkey": "monkey",
    "fox squirrel": "squirrel", "hamster": "hamster", "guinea pig": "guinea pig", "beaver": "beaver",
    "koala": "koala", "wallaby": "kangaroo", "gorilla": "gorilla", "chimpanzee": "chimpanzee",
    "orangutan": "orangutan", "goldfish": "fish", "great white shark": "shark", "tiger shark": "shark",
    "hammerhead": "shark", "killer whale": "whale", "grey whale": "whale", "dugong": "", "sea lion": "sea lion",
    "jellyfish": "jellyfish", "starfish": "starfish", "American lobster": "lobster", "crayfish": "crayfish",
    "bee": "bee", "ant": "ant", "ladybug": "ladybug", "dragonfly": "dragonfly", "monarch": "butterfly",
    "snail": "snail", "slug": "slug", "tabby": "cat", "tiger cat": "cat", "Persian cat": "cat",
    "Siamese cat": "cat", "Egyptian cat": "cat",
    "bassoon": "bassoon", "oboe": "oboe", "ocarina": "ocarina", "bottlecap": "bottle cap", "nipple": "",
    "manhole cover": "manhole cover", "shoji": "screen", "crutch": "crutch", "flagpole": "flagpole",
    "electric fan": "fan", "sock": "sock", "chain mail": "armor", "photocopier": "copier", "prison": "prison",
    "shoe shop": "shoe store", "rain barrel": "barrel", "slide rule": "ruler", "hip": "", "jackfruit": "fruit",
    "lighter": "lighter", "carpenter's kit": "tools", "breastplate": "armor", "home theater": "television",
    "monastery": "building", "megalith": "stone", "meat loaf": "meat", "eggnog": "drink", "rapeseed": "flowers",
    "buckeye": "", "web site": "website", "slot": "slot machine", "rubber eraser": "eraser", "jean": "jeans",
    "sunscreen": "lotion", "washer": "washing machine", "bubble": "bubbles", "cliff dwelling": "ruins",
    "apiary": "beehive", "beacon": "lighthouse", "beaker": "beaker", "bannister": "railing", "turnstile": "turnstile",
    "cash machine": "atm", "comic book": "comic book", "totem pole": "totem pole", "obelisk": "obelisk",
    "maypole": "maypole", "loupe": "magnifying glass", "odometer": "speedometer", "oscilloscope": "",
    "switch": "switch", "joystick": "joystick", "hard disc": "", "packet": "package", "file": "cabinet",
    "water tower": "water tower", "lumbermill": "sawmill", "scoreboard": "scoreboard", "sarong": "skirt",
    "triceratops": "dinosaur", "walking stick": "insect", "wreck": "shipwreck", "Band Aid": "bandage",
    "ashcan": "trash can", "cleaver": "cleaver", "letter opener": "", "vestment": "robe", "muzzle": "muzzle",
    "nail": "nail", "pick": "", "plane": "", "hook": "hook", "scale": "scale", "chain": "chain",
    "pole": "pole", "bow": "bow", "chime": "chimes", "mushroom": "mushroom", "spaghetti squash": "squash",
    "acorn squash": "squash", "butternut squash": "squash", "artichoke": "artichoke", "cardoon": "",
    "fig": "fig", "custard apple": "fruit", "trifle": "dessert", "consomme": "soup",
}
# Other words for a thing that WordNet does not put below it ("kitten" is a young mammal there).
ALSO = {"cat": ["kitten", "kittens"], "coffee": ["latte", "cappuccino"], "airplane": ["plane", "planes", "jet"],
        "cup": ["mug"], "mug": ["cup"], "sailboat": ["boat", "boats"], "ship": ["boat", "boats"]}
# Caption words that name something else too ("a boxer" is often a person, "a cardigan" a sweater): never an
# "also" word, so they neither meet a constraint nor get banned with a class.
AMBIGUOUS = {"boxer", "boxers", "cardigan", "cardigans", "pointer", "pointers", "setter", "setters", "chow"}

GROUP_ALSO_DEPTH = 3

# Broad kinds of thing (synset offsets in WordNet 3.0): when the classifier gives a whole kind almost nothing, no
# word of that kind is in the photo. Only kinds whose classes the classifier tells apart from the rest of a photo
# belong here: every animal class shows an animal, while an "instrumentality" is most of a kitchen or a street.
KINDS = [("animal", 1, "animal")]   # (lemma, WordNet sense number, kind)


def tokenize(text):
    """attend's caption tokenisation (Sources/AttendModel/Vocabulary.swift): lowercase; every character that is
    not a letter, a digit, a hyphen or an apostrophe splits; hyphens and apostrophes trimmed at token ends."""
    tokens = []
    for raw in re.split(r"[^\w\-']+|_", text.lower()):
        token = raw.strip("-'")
        if token:
            tokens.append(token)
    return tokens


def read_wordnet(path):
    """offset → (lemmas, hypernym offsets, hyponym offsets) for every noun synset."""
    synsets = {}
    with open(f"{path}/data.noun", encoding="latin-1") as f:
        for line in f:
            if line.startswith("  "):
                continue
            fields = line.split(" | ")[0].split()
            offset, words = fields[0], int(fields[3], 16)
            lemmas = [fields[4 + 2 * i].replace("_", " ") for i in range(words)]
            lemmas = [re.sub(r"\(.*\)$", "", lemma) for lemma in lemmas]
            rest = fields[4 + 2 * words:]
            pointers = int(rest[0])
            hypernyms, hyponyms = [], []
            for i in range(pointers):
                symbol, target, pos = rest[1 + 4 * i: 4 + 4 * i]
                if pos != "n":
                    continue
                if symbol in ("@", "@i"):
                    hypernyms.append(target)
                elif symbol in ("~", "~i"):
                    hyponyms.append(target)
            synsets[offset] = (lemmas, hypernyms, hyponyms)
    return synsets


def sense_offset(path, lemma, sense):
    """The synset offset of WordNet's sense number `sense` of the noun `lemma`."""
    with open(f"{path}/index.noun", encoding="latin-1") as f:
        for line in f:
            fields = line.split()
            if fields[0] == lemma:
                count = int(fields[2])
                return fields[-count:][sense - 1]
    raise KeyError(f"WordNet has no noun {lemma!r}")


def read_first_senses(path):
    """noun lemma (lowercase, underscores) → the offset of its first (most frequent) WordNet sense."""
    first = {}
    with open(f"{path}/index.noun", encoding="latin-1") as f:
        for line in f:
            if line.startswith(" "):
                continue
            fields = line.split()
            first[fields[0]] = fields[-int(fields[2])]
    return first


def phrase_counts(paths, longest=3):
    counts = collections.Counter()
    for path in paths:
        with open(path, encoding="utf-8") as f:
            for line in f:
                if "\t" not in line:
                    continue
                tokens = tokenize(line.split("\t", 1)[1])
                for n in range(1, longest + 1):
                    for i in range(len(tokens) - n + 1):
                        counts[" ".join(tokens[i:i + n])] += 1
    return counts


def ancestors(synsets, offset, depth):
    """Hypernyms breadth first, nearest first, the synset itself at depth 0."""
    seen, frontier, order = {offset}, [offset], [(offset, 0)]
    for level in range(1, depth + 1):
        nxt = []
        for o in frontier:
            for h in synsets[o][1]:
                if h not in seen:
                    seen.add(h)
                    nxt.append(h)
                    order.append((h, level))
        frontier = nxt
    return order


def usable(lemma, counts, depth):
    phrase = " ".join(tokenize(lemma))
    if not phrase or counts[phrase] < MIN_COUNT:
        return None
    if phrase in GENERIC and not (phrase in CLIMB_OK and depth > 0) and depth > 0:
        return None
    if phrase in GENERIC and depth == 0 and phrase not in CLIMB_OK:
        return None
    return phrase


def plural(word):
    head = word.split(" ")[-1]
    if head.endswith(("s", "x", "z", "ch", "sh")):
        head += "es"
    elif head.endswith("y") and head[-2:-1] not in "aeiou":
        head = head[:-1] + "ies"
    else:
        head += "s"
    return " ".join(word.split(" ")[:-1] + [head])


def also_words(synsets, first_senses, counts, word, root):
    """Frequent lemmas of root's hyponyms (GROUP_ALSO_DEPTH levels down) whose first WordNet sense is that hyponym
    ("husky" is first a dog; "kite" is first a toy, "racer" a driver: neither is a bird's or a snake's other
    word), with plurals, other than word."""
    found, frontier = set(), [root]
    for _ in range(GROUP_ALSO_DEPTH):
        nxt = []
        for o in frontier:
            for h in synsets[o][2]:
                nxt.append(h)
                for lemma in synsets[h][0]:
                    phrase = " ".join(tokenize(lemma))
                    if phrase and counts[phrase] >= MIN_COUNT and phrase not in GENERIC \
                            and first_senses.get(lemma.lower().replace(" ", "_")) == h:
                        found.add(phrase)
        frontier = nxt
    found |= {plural(w) for w in list(found) + [word] if counts[plural(w)] >= 1}
    found |= set(ALSO.get(word, []))
    found.discard(word)
    return sorted(found - AMBIGUOUS)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--synsets", required=True, help="timm's imagenet_synsets.txt: 1,000 wnids in class order")
    parser.add_argument("--wordnet", default="/usr/share/wordnet")
    parser.add_argument("--corpus", nargs="+", required=True, help="caption files: ID<TAB>sentence lines")
    parser.add_argument("--out", required=True)
    args = parser.parse_args()

    wnids = [line.strip() for line in open(args.synsets) if line.strip()]
    assert len(wnids) == 1000, f"{args.synsets}: {len(wnids)} classes, expected 1000"
    synsets = read_wordnet(args.wordnet)
    counts = phrase_counts(args.corpus)
    groups = [(sense_offset(args.wordnet, lemma, sense), word) for lemma, sense, word in GROUPS]
    kinds = [(sense_offset(args.wordnet, lemma, sense), kind) for lemma, sense, kind in KINDS]
    first_senses = read_first_senses(args.wordnet)
    names = {synsets[w[1:]][0][0] for w in wnids}
    unknown = sorted(set(OVERRIDES) - names)
    assert not unknown, f"OVERRIDES names no class: {unknown}"

    rows = []
    for index, wnid in enumerate(wnids):
        offset = wnid[1:]
        name = synsets[offset][0][0]
        chain = ancestors(synsets, offset, MAX_DEPTH)
        up = {o for o, _ in ancestors(synsets, offset, 20)}   # every hypernym, for the groups and the kinds
        word, root, how = None, offset, "search"
        if name in OVERRIDES:
            word, how = OVERRIDES[name], "review"
        else:
            for group, group_word in groups:
                if group in up:
                    word, root, how = group_word, group, "group"
                    break
            own = [usable(lemma, counts, 0) for lemma in synsets[offset][0]]
            own = [w for w in own if w]
            if how == "group" and own and group_word in ("turtle", "lizard", "fish", "bird", "monkey", "bear",
                                                         "snake", "spider", "butterfly"):
                word, root = own[0], offset      # a bird's own frequent name ("owl", "swan") beats "bird"
            if word is None:
                for o, depth in chain:
                    for lemma in synsets[o][0]:
                        w = usable(lemma, counts, depth)
                        if w:
                            word, root = w, o
                            break
                    if word:
                        break
        word = word or ""
        also = also_words(synsets, first_senses, counts, word, root) if word else []
        kind = next((k for o, k in kinds if o in up), "")
        rows.append((index, wnid, name, word, ",".join(also), kind))

    with open(args.out, "w", encoding="utf-8") as f:
        f.write("# ImageNet-1k classes → caption words. Made by scripts/make_class_table.py (WordNet 3.0 hypernyms,\n")
        f.write("# caption-word counts, hand-reviewed overrides); see data/README.md for provenance and licence.\n")
        f.write("# index\twnid\tclass\tword\talso\tkind\n")
        for row in rows:
            f.write("\t".join(map(str, row)) + "\n")
    mapped = sum(1 for r in rows if r[3])
    print(f"{args.out}: {mapped} of 1000 classes named by {len({r[3] for r in rows if r[3]})} words")


if __name__ == "__main__":
    main()
