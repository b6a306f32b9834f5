// The caption grammar of the synthetic scenes, and the geometric rule that picks its form.
//
// Grammar of the canonical caption (#0), lower case, tokens separated by single spaces, no final period:
//
//     object     := "a" COLOUR SHAPE
//     one        := object
//     side-by-side := object-left "and" object-right
//     stacked    := object-upper "above" object-lower
//     row        := object-1 "," object-2 "and" object-3        (left to right)
//
//     COLOUR := red | green | blue | yellow | white | purple
//     SHAPE  := circle | square | triangle | diamond
//
// The form is a function of the objects' stored boxes [x0, y0, x1, y1] (x1, y1 exclusive) alone, so
// anyone holding boxes.json can recompute it. With doubled centres cx2 = x0 + x1, cy2 = y0 + y1 and
// minimumSeparation = side / 8 (integer division):
//   - one object: `one`.
//   - two objects, dx2 = |cx2 difference|, dy2 = |cy2 difference|:
//       `stacked`      if the boxes' rows are disjoint (upper.y1 <= lower.y0) and dy2 >= 2 * dx2;
//       `side-by-side` if dx2 >= dy2 and dx2 >= 2 * minimumSeparation, objects ordered by cx2;
//       otherwise the layout is ambiguous and the generator never produces it.
//   - three objects: `row`, ordered by cx2, every consecutive dx2 >= 2 * minimumSeparation (else never produced).
// In every scene all boxes are pairwise disjoint with at least `side / 32` (>= 2) empty pixels between
// them on some axis.
//
// Alternative captions (#1, #2), written only when asked for:
//   #1 the canonical caption with a size word before each colour (small | medium | large);
//   #2 a paraphrase: "a single red circle", "a red circle to the left of a blue square",
//      "a blue square below a red circle", "a red circle , a blue square and a green triangle from left to right".

// MARK: - Arrangement

/// How a scene's objects are related in its caption.
enum SceneArrangement: String {
    case one, sideBySide, stacked, row
}

/// The minimum horizontal distance between the centres of objects named left to right.
func minimumSeparation(side: Int) -> Int { side / 8 }

/// The minimum empty gap between two objects' boxes, on at least one axis.
func minimumGap(side: Int) -> Int { max(2, side / 32) }

/// The caption form for objects with these boxes and the order the caption names them in (indices
/// into `boxes`), or nil when the layout is one the generator rejects (ambiguous or crowded).
func arrangement(of boxes: [[Int]], side: Int) -> (SceneArrangement, order: [Int])? {
    let gap = minimumGap(side: side)
    for i in 0..<boxes.count {
        for j in (i + 1)..<boxes.count where !separated(boxes[i], boxes[j], gap: gap) {
            return nil
        }
    }
    let centreX2 = boxes.map { $0[0] + $0[2] }
    let centreY2 = boxes.map { $0[1] + $0[3] }
    let leftToRight = boxes.indices.sorted { centreX2[$0] < centreX2[$1] }
    let separation2 = 2 * minimumSeparation(side: side)
    switch boxes.count {
    case 1:
        return (.one, [0])
    case 2:
        let dx2 = abs(centreX2[0] - centreX2[1])
        let dy2 = abs(centreY2[0] - centreY2[1])
        let (upper, lower) = centreY2[0] < centreY2[1] ? (0, 1) : (1, 0)
        if boxes[upper][3] <= boxes[lower][1] && dy2 >= 2 * dx2 {
            return (.stacked, [upper, lower])
        }
        if dx2 >= dy2 && dx2 >= separation2 {
            return (.sideBySide, leftToRight)
        }
        return nil
    case 3:
        for k in 0..<2 where centreX2[leftToRight[k + 1]] - centreX2[leftToRight[k]] < separation2 {
            return nil
        }
        return (.row, leftToRight)
    default:
        preconditionFailure("a scene holds one to three objects")
    }
}

/// Whether two boxes leave at least `gap` empty pixels between them horizontally or vertically.
private func separated(_ a: [Int], _ b: [Int], gap: Int) -> Bool {
    a[2] + gap <= b[0] || b[2] + gap <= a[0] || a[3] + gap <= b[1] || b[3] + gap <= a[1]
}

// MARK: - Captions

/// One object as the captions name it.
struct NamedObject {
    var shape: String
    var colour: String
    var size: String
}

/// The canonical caption (#0) followed by the alternative captions (#1 sizes, #2 paraphrase), for
/// objects already in caption order.
func sceneCaptions(_ objects: [NamedObject], arrangement: SceneArrangement) -> [String] {
    let plain = objects.map { "a \($0.colour) \($0.shape)" }
    let sized = objects.map { "a \($0.size) \($0.colour) \($0.shape)" }
    func join(_ names: [String]) -> String {
        switch arrangement {
        case .one: return names[0]
        case .sideBySide: return "\(names[0]) and \(names[1])"
        case .stacked: return "\(names[0]) above \(names[1])"
        case .row: return "\(names[0]) , \(names[1]) and \(names[2])"
        }
    }
    let paraphrase: String
    switch arrangement {
    case .one: paraphrase = "a single \(objects[0].colour) \(objects[0].shape)"
    case .sideBySide: paraphrase = "\(plain[0]) to the left of \(plain[1])"
    case .stacked: paraphrase = "\(plain[1]) below \(plain[0])"
    case .row: paraphrase = "\(join(plain)) from left to right"
    }
    return [join(plain), join(sized), paraphrase]
}
