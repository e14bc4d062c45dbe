import Crypto

/// SHA-256 content keys, as lowercase hex.
public enum ContentKey {
    /// The version of regime's numerics as a whole; with each op's own version it
    /// enters every content key, so changed numerics recompute what they touch.
    public static let numericsVersion = 1

    public static func hash(_ text: String) -> String {
        SHA256.hash(data: Array(text.utf8)).map { byte in
            let hex = String(byte, radix: 16)
            return byte < 16 ? "0" + hex : hex
        }.joined()
    }
}
