// MARK: - Keywords for a photo library: the things a caption names

/// The keywords attend gives a photo (`dc:subject`): the object words of its caption, then any class labels the
/// caller is confident of, each once, in that order.
///
/// The object words come from a short table of the nouns that captions of everyday photographs use (people,
/// animals, vehicles, places, things), plurals folded to the singular. It is deliberately small: a keyword
/// someone searches for, not every noun. Words outside it are left out rather than guessed at.
public enum CaptionKeywords {
    /// `labels`: class words from a classifier, already filtered to the confident ones (empty when there are none).
    public static func keywords(caption: String, labels: [String] = []) -> [String] {
        var seen = Set<String>()
        var out: [String] = []
        for word in objectWords(caption) + labels.map({ $0.lowercased() }) where !word.isEmpty && seen.insert(word).inserted {
            out.append(word)
        }
        return out
    }

    /// The caption's words that name things, singular, in caption order (repeats kept).
    public static func objectWords(_ caption: String) -> [String] {
        let words = caption.lowercased().split { !$0.isLetter && $0 != "-" }.map(String.init)
        return words.compactMap { word in
            if let singular = irregularPlurals[word] { return singular }
            if nouns.contains(word) { return word }
            if word.hasSuffix("s"), nouns.contains(String(word.dropLast())) { return String(word.dropLast()) }
            if word.hasSuffix("es"), nouns.contains(String(word.dropLast(2))) { return String(word.dropLast(2)) }
            return nil
        }
    }

    static let irregularPlurals: [String: String] = [
        "men": "man", "women": "woman", "children": "child", "people": "person", "feet": "foot", "teeth": "tooth",
        "mice": "mouse", "geese": "goose", "sheep": "sheep", "knives": "knife", "leaves": "leaf", "wolves": "wolf",
        "puppies": "puppy", "ponies": "pony", "babies": "baby", "ladies": "lady", "bodies": "body", "skis": "ski",
    ]

    static let nouns: Set<String> = [
        // people
        "man", "woman", "boy", "girl", "child", "kid", "baby", "person", "player", "lady", "guy", "toddler", "family",
        "crowd", "team", "couple", "biker", "cyclist", "skier", "snowboarder", "surfer", "skateboarder", "swimmer",
        "runner", "climber", "rider",
        // animals
        "dog", "puppy", "cat", "kitten", "horse", "pony", "cow", "sheep", "goat", "bird", "duck", "goose", "chicken",
        "elephant", "giraffe", "zebra", "bear", "camel", "monkey", "fish", "animal", "wolf", "mouse",
        // vehicles
        "car", "truck", "bus", "train", "bicycle", "bike", "motorcycle", "motorbike", "boat", "airplane", "plane",
        "helicopter", "skateboard", "snowboard", "surfboard", "ski", "kayak", "canoe", "scooter", "tractor", "van",
        // places and nature
        "beach", "ocean", "sea", "lake", "river", "pool", "water", "wave", "snow", "grass", "field", "park",
        "street", "road", "city", "building", "bridge", "mountain", "hill", "rock", "sand", "tree", "forest", "garden",
        "sky", "sunset", "desert", "waterfall", "stream", "fountain", "stadium", "track", "trail", "yard", "house",
        "shore", "cliff", "dirt", "mud", "ice", "fence", "wall", "stage", "market", "restaurant", "kitchen", "room",
        "bed", "couch", "sidewalk", "playground", "lawn", "leaf", "flower",
        // things
        "ball", "frisbee", "kite", "stick", "toy", "hat", "helmet", "shirt", "jacket", "dress", "umbrella", "bag",
        "backpack", "bench", "chair", "table", "sign", "flag", "rope", "net", "racket", "bat", "guitar", "camera",
        "phone", "book", "cake", "pizza", "food", "sandwich", "banana", "apple", "orange", "bottle", "cup", "glass",
        "computer", "laptop", "television", "clock", "vase", "scissors", "knife", "bowl", "tent", "sled", "swing",
        "slide", "trampoline", "costume", "sunglasses", "goggles", "wetsuit", "uniform", "jersey", "balloon",
    ]
}
