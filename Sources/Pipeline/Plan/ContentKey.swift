import Base

/// SHA-256 content keys, as lowercase hex.
public enum ContentKey {
    /// The version of regime's numerics as a whole; with each op's own version it
    /// enters every content key, so changed numerics recompute what they touch.
    public static let numericsVersion = 1

    public static func hash(_ text: String) -> String {
        SHA256Digest(hashing: text).hex
    }
}
