import Foundation

/// Grey-level images as an inline picture for the HTML report: a grid of
/// small images (samples, or their nearest training images) in one BMP file,
/// as a data URI — uncompressed, 24-bit, a few hundred bytes for a grid of
/// 8 × 8 digits, and shown by every browser. Ink is dark: `low` is white,
/// `high` black, values outside clamped, NaN (no image) a light grey.
enum ImageGrid {
    /// `images` (each height × width, row by row) in rows of `columns`, one pixel apart.
    static func dataURI(_ images: [[Double]], shape: [Int], columns: Int, low: Double, high: Double) -> String {
        let (h, w) = (shape[0], shape[1])
        let rows = max(1, (images.count + columns - 1) / columns)
        let width = columns * (w + 1) + 1, height = rows * (h + 1) + 1
        var grey = [UInt8](repeating: 255, count: width * height)
        for (index, image) in images.enumerated() {
            let top = 1 + (index / columns) * (h + 1), left = 1 + (index % columns) * (w + 1)
            for y in 0..<h {
                for x in 0..<w {
                    let value = image[y * w + x]
                    let level: UInt8
                    if value.isNaN {
                        level = 230
                    } else {
                        let fraction = min(max((value - low) / max(high - low, 1e-300), 0), 1)
                        level = UInt8((255 * (1 - fraction)).rounded())
                    }
                    grey[(top + y) * width + left + x] = level
                }
            }
        }
        return "data:image/bmp;base64," + bmp(grey, width: width, height: height).base64EncodedString()
    }

    /// A 24-bit BMP: rows bottom-up, each padded to four bytes.
    static func bmp(_ grey: [UInt8], width: Int, height: Int) -> Data {
        let stride = (3 * width + 3) / 4 * 4, size = 54 + stride * height
        var data = Data()
        func put(_ value: Int, _ bytes: Int) { for k in 0..<bytes { data.append(UInt8((value >> (8 * k)) & 0xFF)) } }
        data.append(contentsOf: Array("BM".utf8))
        put(size, 4); put(0, 4); put(54, 4)                         // file header
        put(40, 4); put(width, 4); put(height, 4); put(1, 2); put(24, 2)  // info header
        put(0, 4); put(stride * height, 4); put(2835, 4); put(2835, 4); put(0, 4); put(0, 4)
        for y in (0..<height).reversed() {
            for x in 0..<width { let v = grey[y * width + x]; data.append(contentsOf: [v, v, v]) }
            data.append(contentsOf: [UInt8](repeating: 0, count: stride - 3 * width))
        }
        return data
    }
}
