/// "Did you mean …?" for names: the candidate closest to a misspelled name by
/// edit distance, when it is close enough to be a plausible typo.
public enum Suggestion {
    /// The closest candidate within max(1, length/3) edits (case-insensitive),
    /// or nil. A candidate that shares no letter position with the name (`y`
    /// for `a`) is no typo and is never suggested.
    public static func closest(to name: String, among candidates: some Sequence<String>) -> String? {
        let target = Array(name.lowercased())
        var best: (candidate: String, distance: Int)?
        for candidate in candidates {
            let other = Array(candidate.lowercased())
            let distance = editDistance(target, other)
            if distance >= max(target.count, other.count) { continue }
            if distance < (best?.distance ?? Int.max) { best = (candidate, distance) }
        }
        guard let best, best.distance <= max(1, target.count / 3), best.candidate != name else { return nil }
        return best.candidate
    }

    /// Optimal string alignment distance (Levenshtein plus adjacent transposition:
    /// `lamda` → `lambda` is one edit, `l2` ↔ `2l` is one).
    public static func editDistance(_ a: [Character], _ b: [Character]) -> Int {
        if a.isEmpty { return b.count }
        if b.isEmpty { return a.count }
        var previous2 = [Int](repeating: 0, count: b.count + 1)
        var previous = Array(0...b.count)
        var current = [Int](repeating: 0, count: b.count + 1)
        for i in 1...a.count {
            current[0] = i
            for j in 1...b.count {
                let cost = a[i - 1] == b[j - 1] ? 0 : 1
                current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost)
                if i > 1, j > 1, a[i - 1] == b[j - 2], a[i - 2] == b[j - 1] {
                    current[j] = min(current[j], previous2[j - 2] + 1)
                }
            }
            (previous2, previous, current) = (previous, current, previous2)
        }
        return previous[b.count]
    }
}
